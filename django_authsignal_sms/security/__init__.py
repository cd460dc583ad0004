"""The security page: the signed-in user's sign-in phone, and changing (or removing) it.

A change is strongly bound. It needs a fresh step-up with the current number
(``current_number``); then the browser SDK enrolls and verifies the new number with a token
that only this flow generates, right after that step-up (``change``); only once the server has
validated the final token and seen, through ``get_authenticators``, that the verified number is
exactly the one the user typed is the old number removed and the site's own field updated
(``phone_field``). Any failure leaves the old number in place (``rollback``).
docs/security-page.md is the guide.
"""
