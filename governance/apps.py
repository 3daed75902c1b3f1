from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self):
        # The audit log sits below governance: hand it the actor's memberships and the policy
        # files of export bundles instead of letting it import upwards.
        from audit import actors, exporting
        from governance.permissions import memberships
        from governance.selectors.policy import policy_files

        actors.use_memberships(memberships)
        exporting.add_bundle_files(policy_files)
