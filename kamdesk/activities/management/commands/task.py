"""``kamdesk task list|add|show|done|reopen|cancel|edit|reassign|comment``: tasks from the shell, through the
same services as the pages and the API.

Without ``--as EMAIL`` the operator acts as the system (sees and changes everything); with it, exactly what
that user may see and do.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kamdesk.accounts.management.commands.account import account_by_code
from kamdesk.activities import selectors
from kamdesk.activities.management.cli import (
    add_as_option,
    add_task_options,
    as_json,
    day_or_none,
    labelled,
    record_id,
    refusals,
    task_settings,
    task_table,
    visible_task,
)
from kamdesk.activities.models import Task, TaskPriority, TaskStatus
from kamdesk.activities.services import (
    task_comment_add,
    task_complete,
    task_create,
    task_reassign,
    task_reopen,
    task_update,
)
from kamdesk.imports.management.actor import acting_user
from kamdesk.users.management.cli_support import choice, user_by_email
from kamdesk.users.models import User
from kamdesk.users.zones import user_zone

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


def task_detail_dict(task: Task, zone) -> dict:
    """What ``show --format json`` prints: the list's fields plus the description and the comments."""
    return {
        **task_dict(task),
        "description": task.description,
        "completed_at": timezone.localtime(task.completed_at, zone).isoformat() if task.completed_at else None,
        "created_by": task.created_by.email if task.created_by else None,
        "comments": [
            {
                "author": comment.author.email if comment.author else None,
                "created_at": timezone.localtime(comment.created_at, zone).isoformat(),
                "text": comment.text,
            }
            for comment in task.comments.all()
        ],
    }


class Command(BaseCommand):
    help = "List, add, show, complete, reopen, cancel, edit, reassign and comment on tasks."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        listing = actions.add_parser("list", help="Open tasks: a user's own (--as), or all they (or you) can see.")
        listing.add_argument("--all", action="store_true", help="Every open task the user may see, not only theirs.")
        listing.add_argument("--status", default="open", help="open (default), done, cancelled or any.")
        listing.add_argument("--format", choices=("table", "json"), default="table")
        add_as_option(listing)

        add = actions.add_parser("add", help="Add a task to an account.")
        add.add_argument("--account", required=True, metavar="CODE")
        add.add_argument("--title", required=True)
        add_task_options(add)
        add.add_argument("--description", default="")
        add_as_option(add)

        show = actions.add_parser("show", help="One task with its description and comments.")
        show.add_argument("task_id", metavar="ID", type=record_id)
        show.add_argument("--format", choices=("text", "json"), default="text")
        add_as_option(show)

        self._add_task_action(actions, "done", "Mark a task done.")
        self._add_task_action(actions, "reopen", "Open a done or cancelled task again.")
        self._add_task_action(actions, "cancel", "Cancel an open task.")

        edit = self._add_task_action(actions, "edit", "Change a task's title, due date, priority or description.")
        edit.add_argument("--title")
        edit.add_argument("--due", metavar="YYYY-MM-DD|none", help="none clears the due date.")
        edit.add_argument("--priority", help="low, normal or high.")
        edit.add_argument("--description")

        reassign = self._add_task_action(actions, "reassign", "Give a task to someone else.")
        reassign.add_argument("owner_email", metavar="EMAIL", help="The new owner.")
        reassign.add_argument("--note", default="", help="Kept in the task's history.")

        comment = self._add_task_action(actions, "comment", "Add a comment to a task.")
        comment.add_argument("text", metavar="TEXT")

    def _add_task_action(self, actions, name: str, text: str):
        parser = actions.add_parser(name, help=text)
        parser.add_argument("task_id", metavar="ID", type=record_id)
        add_as_option(parser)
        return parser

    def handle(self, *args, action: str, **options):
        actor = acting_user(options.get("as_email"))
        task_id = options.get("task_id")
        with refusals(f"Task {task_id}" if task_id else ""):
            getattr(self, f"run_{action}")(actor, options)

    def run_list(self, actor: User | None, options) -> None:
        status = options["status"]
        if status != "any":
            choice(status, TaskStatus.values, "status")
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
        self.stdout.write(task_table(tasks), ending="")

    def run_add(self, actor: User | None, options) -> None:
        account = account_by_code(options["account"])
        owner, due, priority = task_settings(actor, options)
        task = task_create(
            actor=actor,
            account=account,
            title=options["title"],
            owner=owner,
            due_date=due,
            priority=priority,
            description=options["description"],
        )
        self.stdout.write(f"Task {task.pk} added to {account.code} for {owner.email}: {task.title}")

    def run_show(self, actor: User | None, options) -> None:
        task = visible_task(actor, options["task_id"])
        zone = user_zone(actor)
        if options["format"] == "json":
            self.stdout.write(as_json(task_detail_dict(task, zone)), ending="")
            return
        comments = [
            f"{timezone.localtime(c.created_at, zone):%Y-%m-%d %H:%M} {c.author.email if c.author else 'kamdesk'}: "
            + " ".join(c.text.split())
            for c in task.comments.all()
        ]
        pairs = [
            ("Task", f"{task.pk} · {task.status} · {task.priority} priority"),
            ("Title", task.title),
            ("Account", f"{task.account.code} {task.account.name}"),
            ("Owner", task.owner.email),
            ("Due", task.due_date.isoformat() if task.due_date else ""),
            ("Activity", f"{task.activity.pk} {task.activity.subject}" if task.activity else ""),
            ("Description", task.description),
            ("Comments", "\n".join(comments)),
        ]
        self.stdout.write(labelled(pairs), ending="")

    def run_done(self, actor: User | None, options) -> None:
        task = task_complete(actor=actor, task_id=options["task_id"])
        self.stdout.write(f"Task {task.pk} is done: {task.title}")

    def run_reopen(self, actor: User | None, options) -> None:
        task = task_reopen(actor=actor, task_id=options["task_id"])
        self.stdout.write(f"Task {task.pk} is open again: {task.title}")

    def run_cancel(self, actor: User | None, options) -> None:
        task = task_update(actor=actor, task_id=options["task_id"], status=TaskStatus.CANCELLED)
        self.stdout.write(f"Task {task.pk} is cancelled: {task.title}")

    def run_edit(self, actor: User | None, options) -> None:
        changes = task_changes(options)
        if not changes:
            raise CommandError("Nothing to change: give --title, --due, --priority or --description.")
        task = task_update(actor=actor, task_id=options["task_id"], **changes)
        self.stdout.write(f"Task {task.pk} was saved: {task.title}")

    def run_reassign(self, actor: User | None, options) -> None:
        owner = user_by_email(options["owner_email"])
        task = task_reassign(actor=actor, task_id=options["task_id"], owner=owner, note=options["note"])
        self.stdout.write(f"Task {task.pk} now belongs to {task.owner.email}: {task.title}")

    def run_comment(self, actor: User | None, options) -> None:
        comment = task_comment_add(actor=actor, task_id=options["task_id"], text=options["text"])
        self.stdout.write(f"Comment {comment.pk} added to task {comment.task_id}.")


def task_changes(options) -> dict:
    """The fields ``edit`` was given, typed; checked before anything is written."""
    changes = {}
    if options.get("title") is not None:
        changes["title"] = options["title"]
    if options.get("due") is not None:
        changes["due_date"] = day_or_none(options["due"], "--due")
    if options.get("priority") is not None:
        changes["priority"] = choice(options["priority"], TaskPriority.values, "priority")
    if options.get("description") is not None:
        changes["description"] = options["description"]
    return changes
