"""Create the provider's user and Clearroom's client registration (run in the provider's
process environment: python -m tests.identity.provider.setup_client REDIRECT_URI)."""

import sys

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from oauth2_provider.models import get_application_model  # noqa: E402

redirect_uri, client_secret = sys.argv[1], sys.argv[2]
User = get_user_model()
user = User.objects.create_user("ana", "ana@acme.example", "provider-password")
Application = get_application_model()
Application.objects.create(
    name="Clearroom",
    client_id="clearroom",
    client_secret=client_secret,
    client_type=Application.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris=redirect_uri,
    algorithm=Application.RS256_ALGORITHM,
    user=user,
    skip_authorization=False,
)
