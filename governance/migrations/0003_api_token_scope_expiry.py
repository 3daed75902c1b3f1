"""API tokens get scopes, an expiry and optional source networks; organizations a maximum
token lifetime. Tokens issued before this keep working: `read` and `submit` (what every token
could do before, for its member user) and 90 days from the migration."""

from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone


def existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("governance", "ApiToken")
    expires_at = timezone.now() + timedelta(days=90)
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=expires_at, scopes=["read", "submit"]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0002_policyversion_freeze_trigger"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="api_token_max_days",
            field=models.PositiveIntegerField(default=365),
        ),
        migrations.AddField(
            model_name="organization",
            name="require_second_factor",
            field=models.BooleanField(default=False),
        ),
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.CheckConstraint(
                condition=models.Q(api_token_max_days__gte=1, api_token_max_days__lte=3650),
                name="api_token_max_days_in_range",
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="last_used_ip",
            field=models.GenericIPAddressField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(default=list),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="allowed_networks",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
    ]
