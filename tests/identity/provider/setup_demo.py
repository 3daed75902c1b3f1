"""Register Clearroom's demo client and the demo lab's people at the local provider
(run in the provider's environment by scripts/demo_sso.py; idempotent).

    python -m tests.identity.provider.setup_demo REDIRECT_URI CLIENT_SECRET PASSWORD USER:EMAIL...
"""

import sys

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from oauth2_provider.models import get_application_model  # noqa: E402

redirect_uri, client_secret, password, *people = sys.argv[1:]
User = get_user_model()
owner = None
for person in people:
    username, email = person.split(":", 1)
    user, made = User.objects.get_or_create(username=username, defaults={"email": email})
    if made:
        user.set_password(password)
        user.save()
    owner = owner or user
Application = get_application_model()
application = Application.objects.filter(client_id="clearroom-demo").first()
if application is None:
    Application.objects.create(
        name="Clearroom (demo)",
        client_id="clearroom-demo",
        client_secret=client_secret,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        algorithm=Application.RS256_ALGORITHM,
        user=owner,
        skip_authorization=False,
    )
else:
    application.redirect_uris = redirect_uri
    application.save(update_fields=["redirect_uris"])
