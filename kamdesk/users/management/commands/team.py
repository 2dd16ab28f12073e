"""``kamdesk team create|list``: teams from the shell. A team lead sees their team's accounts."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from kamdesk.core.errors import ServiceError
from kamdesk.users.management.cli_support import command_error, user_by_email
from kamdesk.users.models import Team
from kamdesk.users.services import team_create


class Command(BaseCommand):
    help = "Create and list teams."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Add a team.")
        create.add_argument("name", metavar="NAME")
        create.add_argument("--lead", metavar="EMAIL", help="E-mail of the team lead.")
        actions.add_parser("list", help="List the teams with their lead and size.")

    def handle(self, *args, action: str, **options):
        try:
            if action == "create":
                self.create(name=options["name"], lead=options["lead"])
            else:
                self.list_teams()
        except ServiceError as exc:
            raise command_error(exc) from exc

    def create(self, *, name: str, lead: str | None) -> None:
        if Team.objects.filter(name__iexact=name.strip()).exists():
            raise CommandError(f"A team named {name!r} already exists.")
        team = team_create(actor=None, name=name, lead=user_by_email(lead, what="team lead") if lead else None)
        self.stdout.write(f"Created team {team.name}" + (f" led by {team.lead.email}." if team.lead else "."))

    def list_teams(self) -> None:
        for team in Team.objects.select_related("lead").annotate(size=Count("members")):
            lead = team.lead.email if team.lead else "no lead"
            self.stdout.write(f"{team.name}  ({lead}, {team.size} member{'s' if team.size != 1 else ''})")
