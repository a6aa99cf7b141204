"""Login, roles and permissions (issue 8): who may use this installation and what each person may see and do.

- `passwords`: argon2id hashing and password rules.
- `roles`: role codes, permission constants, the role → permission matrix, `Actor`, `require`/`can`.
- `scope`: which clients are in an actor's reach (office scope, TKS/relawan assignment).
- `auth`: first administrator, sign in/out, lockout after failed attempts, change and reset password.
- `users`: the user directory for administrators (add, list, disable, role, grants).
"""
