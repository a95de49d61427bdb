"""A local fake of the Telegram Bot API, for the tests and the demo: an HTTP server on
127.0.0.1 (a free port) that answers the methods the channel uses in the Bot API's own
shapes — getUpdates (with ``offset`` acknowledging, and ``timeout`` waiting), sendMessage,
sendDocument, sendPhoto, getFile and the file download, answerCallbackQuery, setWebhook,
deleteWebhook, getMe — and, when told to, a 429 with ``retry_after`` or another error.

The test (or the demo) plays the people on the other side: ``user_message``,
``user_photo``, ``user_document`` and ``user_callback`` queue updates as Telegram would;
``sent`` holds what the bot sent. Nothing here touches the network beyond the loopback.
"""

from __future__ import annotations

import html
import itertools
import json
import threading
import time
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

BOT_ID = 7_000_000_001


class Conflict(LookupError):
    """Answered 409, as Telegram answers getUpdates while a webhook is set."""


class FakeTelegram:
    """The server and its state. Use as a context manager or call start()/stop()."""

    def __init__(self, token: str = "123456:TEST-TOKEN") -> None:  # noqa: S107 - a fake
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self.acknowledged = 0  # the highest offset getUpdates was asked with
        self.sent: list[dict[str, Any]] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.files: dict[str, tuple[str, bytes]] = {}
        self.calls: list[str] = []
        # method → answers to give before the normal one: (HTTP status, Bot API payload)
        self.failures: dict[str, list[tuple[int, dict]]] = {}
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(100_001)
        self._message_ids = itertools.count(5001)
        self._lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- life -------------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                fake._handle(self, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                fake._handle(self, self.rfile.read(length))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            with self._lock:
                self._lock.notify_all()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ---- what the test tells it ---------------------------------------------------------------

    def fail_next(self, method: str, status: int = 429, retry_after: int = 3, **extra) -> None:
        """The next call of ``method`` gets an error (a 429 with ``retry_after`` by default)."""
        payload: dict[str, Any] = {"ok": False, "error_code": status}
        if status == 429:
            payload["description"] = f"Too Many Requests: retry after {retry_after}"
            payload["parameters"] = {"retry_after": retry_after}
        else:
            payload["description"] = extra.get("description", "Bad Request")
        self.failures.setdefault(method, []).append((status, payload))

    def _person(self, chat_id: int, name: str) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": name, "username": f"user{chat_id}"}

    def _incoming(self, chat_id: int, name: str, **fields) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": name},
            "from": self._person(chat_id, name),
            **fields,
        }
        return self._queue({"message": message})

    def _queue(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            update = {"update_id": next(self._update_ids), **body}
            self.updates.append(update)
            self._lock.notify_all()
        return update

    def user_message(
        self, chat_id: int, text: str, *, name: str = "Иван", reply_to: int | None = None
    ):
        fields: dict[str, Any] = {"text": text}
        if reply_to is not None:
            fields["reply_to_message"] = self._bot_message(chat_id, reply_to)
        return self._incoming(chat_id, name, **fields)

    def add_file(self, content: bytes, path: str) -> str:
        file_id = f"FILE{next(self._ids)}"
        self.files[file_id] = (path, content)
        return file_id

    def user_photo(
        self,
        chat_id: int,
        content: bytes,
        *,
        caption: str = "",
        name: str = "Иван",
        media_group: str = "",
    ):
        file_id = self.add_file(content, f"photos/file_{len(self.files)}.jpg")
        sizes = [
            {
                "file_id": file_id + "s",
                "file_unique_id": file_id + "s",
                "width": 90,
                "height": 90,
                "file_size": 100,
            },
            {
                "file_id": file_id,
                "file_unique_id": file_id,
                "width": 800,
                "height": 600,
                "file_size": len(content),
            },
        ]
        self.files[file_id + "s"] = ("photos/thumb.jpg", b"thumb")
        fields: dict[str, Any] = {"photo": sizes}
        if caption:
            fields["caption"] = caption
        if media_group:  # one of an album: Telegram sends each part as its own message
            fields["media_group_id"] = media_group
        return self._incoming(chat_id, name, **fields)

    def user_document(
        self,
        chat_id: int,
        content: bytes,
        filename: str,
        mime: str,
        *,
        caption: str = "",
        size: int | None = None,
        name: str = "Иван",
        media_group: str = "",
    ):
        file_id = self.add_file(content, f"documents/{filename}")
        fields: dict[str, Any] = {
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": filename,
                "mime_type": mime,
                "file_size": len(content) if size is None else size,
            }
        }
        if caption:
            fields["caption"] = caption
        if media_group:
            fields["media_group_id"] = media_group
        return self._incoming(chat_id, name, **fields)

    def user_callback(
        self, chat_id: int, data: str, *, message_id: int | None = None, name: str = "Иван"
    ):
        return self._queue(
            {
                "callback_query": {
                    "id": f"CB{next(self._ids)}",
                    "from": self._person(chat_id, name),
                    "chat_instance": f"ci{chat_id}",
                    "data": data,
                    "message": self._bot_message(chat_id, message_id or 1),
                }
            }
        )

    def _bot_message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Soprovod"},
            "text": "…",
        }

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        return [item for item in self.sent if item.get("chat_id") == chat_id]

    def pending(self) -> list[dict[str, Any]]:
        """Updates not acknowledged yet (Telegram would deliver them again)."""
        return [u for u in self.updates if u["update_id"] >= self.acknowledged]

    # ---- serving ------------------------------------------------------------------------------

    def _params(self, handler: BaseHTTPRequestHandler, body: bytes) -> dict[str, Any]:
        kind = handler.headers.get("Content-Type", "")
        params: dict[str, Any] = {}
        if kind.startswith("application/json"):
            return json.loads(body or b"{}")
        if kind.startswith("multipart/form-data"):
            message = BytesParser(policy=policy.HTTP).parsebytes(
                f"Content-Type: {kind}\r\n\r\n".encode() + body
            )
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                filename = part.get_filename()
                payload = part.get_payload(decode=True)
                if filename:
                    params[name] = {"filename": filename, "content": payload}
                else:
                    params[name] = payload.decode()
            return params
        for name, values in parse_qs(body.decode()).items():
            params[name] = values[-1]
        return params

    def _reply(self, handler, status: int, payload: Any, raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header(
            "Content-Type", "application/octet-stream" if raw else "application/json"
        )
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        path = unquote(handler.path.split("?", 1)[0])
        file_prefix = f"/file/bot{self.token}/"
        if path.startswith(file_prefix):
            wanted = path[len(file_prefix) :]
            for stored_path, content in self.files.values():
                if stored_path == wanted:
                    return self._reply(handler, 200, None, raw=content)
            return self._reply(handler, 404, {"ok": False, "error_code": 404})
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return self._reply(
                handler, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        method = path[len(prefix) :]
        self.calls.append(method)
        failures = self.failures.get(method)
        if failures:
            status, payload = failures.pop(0)
            return self._reply(handler, status, payload)
        params = self._params(handler, body)
        try:
            result = getattr(self, f"_api_{method}")(params)
        except AttributeError:
            return self._reply(
                handler,
                404,
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
            )
        except Conflict as error:
            return self._reply(
                handler,
                409,
                {"ok": False, "error_code": 409, "description": f"Conflict: {error}"},
            )
        except LookupError as error:
            return self._reply(
                handler,
                400,
                {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"},
            )
        return self._reply(handler, 200, {"ok": True, "result": result})

    @staticmethod
    def _json(params, name, default=None):
        value = params.get(name, default)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def _api_getMe(self, params):
        return {"id": BOT_ID, "is_bot": True, "first_name": "Soprovod", "username": "soprovod_bot"}

    def _api_getUpdates(self, params):
        if self.webhook is not None:
            raise Conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first"
            )
        offset = int(self._json(params, "offset", 0) or 0)
        limit = int(self._json(params, "limit", 100) or 100)
        timeout = float(self._json(params, "timeout", 0) or 0)
        deadline = time.monotonic() + min(timeout, 5.0)
        with self._lock:
            if offset:
                self.acknowledged = max(self.acknowledged, offset)
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline and self._server:
                self._lock.wait(deadline - time.monotonic())
            return [dict(u) for u in self.updates[:limit]]

    def _sent_message(self, params, **extra) -> dict[str, Any]:
        chat_id = int(self._json(params, "chat_id"))
        message_id = next(self._message_ids)
        record = {"message_id": message_id, "chat_id": chat_id, **extra}
        markup = self._json(params, "reply_markup")
        if markup:
            record["buttons"] = [
                [[button["text"], button.get("callback_data")] for button in row]
                for row in markup.get("inline_keyboard", [])
            ]
        self.sent.append(record)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Soprovod"},
        }
        if "text" in extra:
            message["text"] = extra["text"]
        return message

    def _api_sendMessage(self, params):
        return self._sent_message(params, method="sendMessage", text=params.get("text", ""))

    def _api_sendDocument(self, params):
        document = params.get("document") or {}
        return self._sent_message(
            params,
            method="sendDocument",
            filename=document.get("filename"),
            content=document.get("content"),
            caption=params.get("caption", ""),
        )

    def _api_sendPhoto(self, params):
        photo = params.get("photo") or {}
        return self._sent_message(
            params,
            method="sendPhoto",
            content=photo.get("content"),
            caption=params.get("caption", ""),
        )

    def _api_getFile(self, params):
        file_id = params.get("file_id")
        if file_id not in self.files:
            raise LookupError("wrong file_id or the file is temporarily unavailable")
        path, content = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": len(content),
            "file_path": path,
        }

    def _api_answerCallbackQuery(self, params):
        self.callback_answers.append(
            {"id": params.get("callback_query_id"), "text": params.get("text", "")}
        )
        return True

    def _api_setWebhook(self, params):
        self.webhook = {"url": params.get("url"), "secret_token": params.get("secret_token")}
        return True

    def _api_deleteWebhook(self, params):
        self.webhook = None
        return True


# ---- a chat page for the demo ---------------------------------------------------------------

CHAT_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Telegram (учебный) — Soprovod</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #e6ebee; color: #111; }
header { background: #517da2; color: #fff; padding: .6rem 1rem; }
header small { display: block; opacity: .85; }
main { max-width: 44rem; margin: 0 auto; padding: 1rem 1rem 7rem; }
.msg { max-width: 85%; margin: .4rem 0; padding: .5rem .75rem; border-radius: .6rem;
  white-space: pre-wrap; word-wrap: break-word; background: #fff; }
.me { margin-left: auto; background: #effdde; }
.note { text-align: center; color: #555; font-size: .85rem; background: none; margin: .4rem auto; }
.buttons { display: flex; flex-wrap: wrap; gap: .3rem; margin-top: .4rem; }
.buttons button, form button { border: 0; border-radius: .4rem; padding: .4rem .7rem;
  background: #517da2; color: #fff; cursor: pointer; font: inherit; }
.reply { font-size: .8rem; color: #517da2; background: none; border: 0; padding: 0;
  cursor: pointer; display: block; margin-top: .3rem; }
form { position: fixed; left: 0; right: 0; bottom: 0; background: #fff; padding: .6rem;
  display: flex; flex-wrap: wrap; gap: .4rem; justify-content: center;
  box-shadow: 0 -1px 4px #0002; }
form textarea { flex: 1 1 14rem; max-width: 36rem; font: inherit; padding: .4rem; }
#replying { font-size: .8rem; color: #517da2; }
</style></head>
<body>
<header><strong>Soprovod — бот поддержки (учебный Telegram)</strong>
<small>Вы пишете как __NAME__. Это не настоящий Telegram: страницу показывает
локальный поддельный Bot API демо-режима; Soprovod забирает отсюда сообщения, как у Telegram.</small>
</header>
<main id="log" aria-live="polite"></main>
<form id="send">
  <button type="button" id="new" title="/new">Новое обращение</button>
  <textarea id="text" rows="2" aria-label="Сообщение"
    placeholder="Сообщение боту (первая строка — тема)"></textarea>
  <span id="replying"></span>
  <button type="submit">Отправить</button>
</form>
<script>
let shown = 0, replyTo = null;
const log = document.getElementById("log");
async function post(path, body) {
  await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body)});
  refresh();
}
function line(item) {
  const div = document.createElement("div");
  div.className = "msg" + (item.who === "me" ? " me" : item.who === "note" ? " note" : "");
  div.textContent = item.text;
  for (const row of item.buttons || []) {
    const box = document.createElement("div");
    box.className = "buttons";
    for (const [label, data] of row) {
      const b = document.createElement("button");
      b.textContent = label;
      b.onclick = () => post("/chat/press", {data: data, label: label, message_id: item.message_id});
      box.append(b);
    }
    div.append(box);
  }
  if (item.who === "bot") {
    const r = document.createElement("button");
    r.className = "reply"; r.textContent = "↩ ответить на это сообщение";
    r.onclick = () => { replyTo = item.message_id;
      document.getElementById("replying").textContent = "ответ на сообщение бота"; };
    div.append(r);
  }
  log.append(div);
}
async function refresh() {
  const answer = await fetch("/chat/transcript?after=" + shown);
  const items = await answer.json();
  for (const item of items) line(item);
  shown += items.length;
  if (items.length) window.scrollTo(0, document.body.scrollHeight);
}
document.getElementById("send").onsubmit = (event) => {
  event.preventDefault();
  const text = document.getElementById("text");
  if (!text.value.trim()) return;
  post("/chat/send", {text: text.value, reply_to: replyTo});
  text.value = ""; replyTo = null; document.getElementById("replying").textContent = "";
};
document.getElementById("new").onclick = () => post("/chat/send", {text: "/new"});
refresh(); setInterval(refresh, 1000);
</script>
</body></html>
"""


class FakeTelegramChat(FakeTelegram):
    """The fake Bot API with a page a person can chat through (the demo with fakes): at
    ``/chat/`` one private chat, played as ``name``. What they type and press becomes
    updates exactly as ``user_message`` and ``user_callback`` make them; what the bot sends
    to the chat shows up on the page (it asks ``/chat/transcript`` every second)."""

    def __init__(self, token: str, *, chat_id: int, name: str, first_update_id: int = 0) -> None:
        super().__init__(token)
        if first_update_id:
            # Telegram's update ids only grow: a bot that polled an earlier fake stored an
            # offset, and updates below it would never reach it.
            self._update_ids = itertools.count(first_update_id)
        self.chat_id = chat_id
        self.name = name
        self.transcript: list[dict[str, Any]] = []  # in order: who, text, buttons, message_id

    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/chat/"

    def _log(self, who: str, text: str, **extra) -> None:
        with self._lock:
            self.transcript.append({"who": who, "text": text, **extra})

    def note(self, text: str) -> None:
        """A line of the page's own (not a message), e.g. «the chat was linked earlier»."""
        self._log("note", text)

    def say(self, text: str, *, reply_to: int | None = None) -> dict[str, Any]:
        """The person sends ``text`` (what the page's form does)."""
        self._log("me", text)
        return self.user_message(self.chat_id, text, name=self.name, reply_to=reply_to)

    def press(self, data: str, *, label: str = "", message_id: int | None = None):
        """The person presses a button of a bot's message (what the page's buttons do)."""
        self._log("me", f"[{label or data}]")
        return self.user_callback(self.chat_id, data, message_id=message_id, name=self.name)

    def bot_messages(self) -> list[dict[str, Any]]:
        return [item for item in self.transcript if item["who"] == "bot"]

    def _sent_message(self, params, **extra) -> dict[str, Any]:
        message = super()._sent_message(params, **extra)
        if message["chat"]["id"] == self.chat_id:
            record = self.sent[-1]
            text = extra.get("text") or extra.get("caption") or ""
            if extra.get("filename"):
                text = f"📎 {extra['filename']}\n{text}".strip()
            self._log(
                "bot",
                text,
                buttons=record.get("buttons") or [],
                message_id=message["message_id"],
            )
        return message

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        path, _, query = handler.path.partition("?")
        if path in ("/chat", "/chat/"):
            page = CHAT_PAGE.replace("__NAME__", html.escape(self.name)).encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", str(len(page)))
            handler.end_headers()
            handler.wfile.write(page)
            return None
        if path == "/favicon.ico":  # the browser asks; Telegram's API would say 401
            handler.send_response(204)
            handler.end_headers()
            return None
        if path == "/chat/transcript":
            after = parse_qs(query).get("after", ["0"])[0]
            start = int(after) if after.isdigit() else 0
            with self._lock:
                items = [dict(item) for item in self.transcript[start:]]
            return self._reply(handler, 200, items)
        if path in ("/chat/send", "/chat/press") and handler.command == "POST":
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                params = {}
            if path == "/chat/send" and str(params.get("text") or "").strip():
                reply_to = params.get("reply_to")
                self.say(str(params["text"]), reply_to=int(reply_to) if reply_to else None)
            elif path == "/chat/press" and params.get("data"):
                message_id = params.get("message_id")
                self.press(
                    str(params["data"]),
                    label=str(params.get("label") or ""),
                    message_id=int(message_id) if message_id else None,
                )
            else:
                return self._reply(handler, 400, {"ok": False})
            return self._reply(handler, 200, {"ok": True})
        return super()._handle(handler, body)
