"""Each agency's own identity provider for its staff (SAML 2.0 or OpenID Connect).

The agency admin configures it in the portal; allauth's socialaccount runs the protocol
(python3-saml, its OpenID Connect client) and this package tells allauth which apps exist
(`adapter.AgencySocialAccountAdapter.list_apps`) and who a returning person is (a
`StaffIdentity` row the admin keyed to a stable attribute of the IdP — never an e-mail
typed on our side).
"""
