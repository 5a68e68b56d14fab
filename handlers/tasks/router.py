"""create_router: the tasks feature. It owns the "tk" (a /today line), "tc" (the task card,
its lists and its client) and "tf" (the /task flow) prefixes; a flow button of a finished
step is refused last."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter

from handlers.callback import AlertOnDomainError
from handlers.filters import HasText, IsStaff, SameFlow
from handlers.tasks import card, client, flow, views
from handlers.tasks.callbacks import (
    CARD_MARKS,
    CARD_POSTPONE,
    POSTPONE_DAYS,
    Card,
    NewTask,
    TaskAction,
    TaskCardCb,
    TaskCb,
    TaskFlowAction,
    TaskFlowCb,
    TaskStep,
)


def create_router() -> Router:
    router = Router(name="tasks")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError())

    router.message.register(flow.cmd_task, Command("task"))
    router.message.register(flow.got_title, StateFilter(NewTask.title), HasText())
    router.message.register(flow.got_when, StateFilter(NewTask.when), HasText())
    router.message.register(flow.got_end, StateFilter(NewTask.end), HasText())
    router.callback_query.register(
        flow.on_kind, TaskFlowCb.filter(F.action == TaskFlowAction.KIND),
        StateFilter(NewTask.kind), SameFlow(TaskFlowCb))
    router.callback_query.register(
        flow.on_skip_end, TaskFlowCb.filter(F.action == TaskFlowAction.SKIP),
        StateFilter(NewTask.end), SameFlow(TaskFlowCb))
    router.callback_query.register(
        flow.on_remind, TaskFlowCb.filter(F.action.in_({TaskFlowAction.YES, TaskFlowAction.NO})),
        StateFilter(NewTask.remind), SameFlow(TaskFlowCb))
    router.message.register(client.got_flow_client, StateFilter(NewTask.client), HasText())
    router.callback_query.register(
        flow.on_client,
        TaskFlowCb.filter(F.action.in_({TaskFlowAction.CLIENT, TaskFlowAction.SKIP})),
        StateFilter(NewTask.client), SameFlow(TaskFlowCb))
    router.callback_query.register(flow.on_finished_step, TaskFlowCb.filter())

    router.message.register(views.cmd_today, Command("today"))
    router.message.register(views.cmd_week, Command("week"))
    router.callback_query.register(views.on_done, TaskCb.filter(F.action == TaskAction.DONE))
    router.callback_query.register(views.on_postpone,
                                   TaskCb.filter(F.action.in_(POSTPONE_DAYS)))

    router.message.register(card.got_defer, StateFilter(TaskStep.defer), HasText())
    router.message.register(card.got_comment, StateFilter(TaskStep.comment), HasText())
    router.message.register(card.got_offer, StateFilter(TaskStep.offer), HasText())
    router.message.register(client.got_card_client, StateFilter(TaskStep.client), HasText())
    router.message.register(card.not_text,
                            StateFilter(TaskStep.defer, TaskStep.comment, TaskStep.offer,
                                        TaskStep.client),
                            ~F.text.startswith("/"))
    cb = TaskCardCb.filter
    router.callback_query.register(card.on_open, cb(F.action == Card.OPEN))
    router.callback_query.register(views.on_closed, cb(F.action == Card.CLOSED))
    router.callback_query.register(card.on_done, cb(F.action == Card.DONE))
    router.callback_query.register(card.on_postpone, cb(F.action.in_(CARD_POSTPONE)))
    router.callback_query.register(card.on_mark, cb(F.action.in_(CARD_MARKS)))
    router.callback_query.register(card.on_restore, cb(F.action == Card.RESTORE))
    router.callback_query.register(card.on_defer, cb(F.action == Card.DEFER))
    router.callback_query.register(card.on_assign, cb(F.action == Card.ASSIGN))
    router.callback_query.register(card.on_assign_to, cb(F.action == Card.ASSIGN_TO))
    router.callback_query.register(card.on_comment, cb(F.action == Card.COMMENT))
    router.callback_query.register(card.on_offer, cb(F.action == Card.OFFER))
    router.callback_query.register(card.on_unoffer, cb(F.action == Card.UNOFFER))
    router.callback_query.register(client.on_card_client, cb(F.action == Card.CLIENT))
    router.callback_query.register(client.on_card_client_to,
                                   cb(F.action.in_({Card.COMPANY_TO, Card.CONTACT_TO})))
    return router
