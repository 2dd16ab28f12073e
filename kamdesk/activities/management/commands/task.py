"""``kamdesk task list|add|done``: tasks from the shell, through the same services as the pages and the API.

Without ``--as EMAIL`` the operator acts as the system (sees and changes everything); with it, exactly what
that user may see and do.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from kamdesk.accounts.management.commands.account import account_by_code, choice
from kamdesk.activities import selectors
from kamdesk.activities.management.cli import as_json, table
from kamdesk.activities.models import Task, TaskPriority, TaskStatus
from kamdesk.activities.services import task_complete, task_create
from kamdesk.core.errors import ServiceError
from kamdesk.imports.management.actor import acting_user
from kamdesk.users.management.cli_support import command_error, user_by_email

LIST_LIMIT = 500


def task_dict(task: Task) -> dict:
    return {
        "id": task.pk,
        "title": task.title,
        "account_code": task.account.code,
        "account_name": task.account.name,
        "owner": task.owner.email,
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "priority": task.priority,
        "status": task.status,
        "activity_id": task.activity_id,
    }


class Command(BaseCommand):
    help = "List tasks, add one to an account, or mark one done."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        listing = actions.add_parser("list", help="Open tasks: a user's own (--as), or all they (or you) can see.")
        listing.add_argument("--as", dest="as_email", metavar="EMAIL", help="Act as this user.")
        listing.add_argument("--all", action="store_true", help="Every open task the user may see, not only theirs.")
        listing.add_argument("--status", default="open", help="open (default), done, cancelled or any.")
        listing.add_argument("--format", choices=("table", "json"), default="table")

        add = actions.add_parser("add", help="Add a task to an account.")
        add.add_argument("--account", required=True, metavar="CODE")
        add.add_argument("--title", required=True)
        add.add_argument("--owner", metavar="EMAIL", help="Who does it (default: the --as user).")
        add.add_argument("--due", metavar="YYYY-MM-DD")
        add.add_argument("--priority", default=TaskPriority.NORMAL, help="low, normal (default) or high.")
        add.add_argument("--description", default="")
        add.add_argument("--as", dest="as_email", metavar="EMAIL", help="Act as this user.")

        done = actions.add_parser("done", help="Mark a task done.")
        done.add_argument("task_id", metavar="ID", type=int)
        done.add_argument("--as", dest="as_email", metavar="EMAIL", help="Act as this user.")

    def handle(self, *args, action: str, **options):
        actor = acting_user(options.get("as_email"))
        try:
            getattr(self, f"run_{action}")(actor, options)
        except ServiceError as exc:
            raise command_error(exc) from exc

    def run_list(self, actor, options) -> None:
        status = options["status"]
        if status != "any":
            choice(status, TaskStatus, "status")
        if actor is None:
            tasks = Task.objects.select_related("account", "owner")
        else:
            scope = "all" if options["all"] else "mine"
            _filter, tasks = selectors.task_list(actor, {"scope": scope})
        if status != "any":
            tasks = tasks.filter(status=status)
        tasks = list(tasks.order_by("due_date", "id")[:LIST_LIMIT])
        if options["format"] == "json":
            self.stdout.write(as_json([task_dict(task) for task in tasks]), ending="")
            return
        if not tasks:
            self.stdout.write("No tasks.")
            return
        rows = [
            [
                str(task.pk),
                task.due_date.isoformat() if task.due_date else "—",
                task.priority,
                task.status,
                task.account.code,
                task.owner.email,
                task.title,
            ]
            for task in tasks
        ]
        self.stdout.write(table(["ID", "Due", "Priority", "Status", "Account", "Owner", "Title"], rows), ending="")

    def run_add(self, actor, options) -> None:
        account = account_by_code(options["account"])
        owner = user_by_email(options["owner"]) if options.get("owner") else actor
        if owner is None:
            raise CommandError("Give the task's owner with --owner EMAIL (or act as them with --as EMAIL).")
        due = None
        if options.get("due"):
            try:
                due = date.fromisoformat(options["due"])
            except ValueError:
                raise CommandError(f"--due must be a date as YYYY-MM-DD, not {options['due']!r}.") from None
        task = task_create(
            actor=actor,
            account=account,
            title=options["title"],
            owner=owner,
            due_date=due,
            priority=choice(options["priority"], TaskPriority, "priority"),
            description=options["description"],
        )
        self.stdout.write(f"Task {task.pk} added to {account.code} for {owner.email}: {task.title}")

    def run_done(self, actor, options) -> None:
        task = task_complete(actor=actor, task_id=options["task_id"])
        self.stdout.write(f"Task {task.pk} is done: {task.title}")
