"""The access core: viewers and scopes, the policy and its compiled rules. The bottom
layer of the portal — it imports no app; apps register their rules with it."""
