"""People and sign-in: the user model (e-mail login), staff roles and regions, personal API tokens."""
