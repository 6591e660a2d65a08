#!/usr/bin/env python3
"""Drives the fake Telegram server with an unmodified python-telegram-bot, as a new user would.

Usage (a manual check, not part of `swift test`):
    pip install python-telegram-bot
    FakeTelegramBench serve --port 18081        # prints BASE_URL and TOKEN
    python3 Scripts/interop/ptb_check.py http://127.0.0.1:18081 <TOKEN>

Exits 0 when every step behaved as on Telegram, 1 otherwise.
"""
import asyncio
import json
import sys
import urllib.request

import telegram
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.error import RetryAfter

USER = 4242


def control(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


async def main(base, token):
    failures = []

    def check(name, condition, detail=""):
        print(("ok   " if condition else "FAIL ") + name + (f" ({detail})" if detail else ""))
        if not condition:
            failures.append(name)

    print(f"python-telegram-bot {telegram.__version__}")
    async with Bot(token, base_url=f"{base}/bot") as bot:
        me = await bot.get_me()
        check("getMe", me.is_bot and me.username, f"@{me.username} id {me.id}")

        check("setWebhook", await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cret_token"))
        info = await bot.get_webhook_info()
        check("getWebhookInfo", info.url == "http://127.0.0.1:9/hook", f"url {info.url}, pending {info.pending_update_count}")
        check("deleteWebhook", await bot.delete_webhook())

        injected = control(base, "POST", f"/control/users/{USER}/messages",
                           {"text": "/start", "first_name": "Ana", "username": "ana"})
        updates = await bot.get_updates(timeout=5)
        message = updates[-1].message if updates else None
        check("getUpdates", message is not None and message.text == "/start"
              and message.entities and message.entities[0].type == "bot_command",
              f"{len(updates)} update(s), update_id {updates[-1].update_id if updates else None} "
              f"(control said {injected['update_id']})")

        keyboard = ReplyKeyboardMarkup([["Check in", "Check out"], ["Status"]], resize_keyboard=True)
        sent = await bot.send_message(USER, "Choose an action", reply_markup=keyboard)
        transcript = control(base, "GET", f"/control/chats/{USER}/messages")
        check("sendMessage with a reply keyboard", sent.text == "Choose an action" and sent.chat.id == USER
              and transcript[-1].get("reply_markup", {}).get("keyboard", [[]])[0][0] in ("Check in", {"text": "Check in"}),
              f"message_id {sent.message_id}, keyboard {transcript[-1].get('reply_markup')}")

        inline = InlineKeyboardMarkup([[InlineKeyboardButton("Undo", callback_data="undo")]])
        question = await bot.send_message(USER, "Checked in", reply_markup=inline)
        edited = await bot.edit_message_text("Checked in at Site A", chat_id=USER, message_id=question.message_id,
                                             reply_markup=inline)
        check("editMessageText", edited.text == "Checked in at Site A" and edited.edit_date is not None)

        control(base, "POST", f"/control/users/{USER}/callbacks", {"data": "undo", "message_id": question.message_id})
        updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=5)
        query = updates[-1].callback_query if updates else None
        check("callback query parsed", query is not None and query.data == "undo"
              and query.message.message_id == question.message_id)
        check("answerCallbackQuery", await bot.answer_callback_query(query.id, text="Undone"))

        fault = control(base, "POST", "/control/faults",
                        {"match": {"method": "sendMessage"}, "respond": {"status": 429, "retry_after": 2}, "times": 1})
        try:
            await bot.send_message(USER, "too fast")
            check("429 surfaces as RetryAfter", False, "no error raised")
        except RetryAfter as error:
            check("429 surfaces as RetryAfter", True, f"retry_after={error.retry_after!r}")
        after = await bot.send_message(USER, "after the fault")
        check("the fault fired once", after.text == "after the fault")

    print("all checks passed" if not failures else f"{len(failures)} check(s) failed: {failures}")
    return 0 if not failures else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(asyncio.run(main(sys.argv[1].rstrip("/"), sys.argv[2])))
