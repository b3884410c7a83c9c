"""The access log (DESIGN rule 11): who read what about a child, on what basis.

Written by the consent policy layer (`writes`), appended to hash chains (`append`,
`chain`), checked and checkpointed (`integrity`, `heads`), guarded on PostgreSQL by
triggers and database roles (`db_roles`), and read by families ("Vem har tittat?",
their data export) and agency admins (the log review).
"""
