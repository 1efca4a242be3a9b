/**
 * The chat page: create or import an account (kept in IndexedDB), connect
 * to the station that served the page, open chats by ID, send and receive
 * texts end to end with their receipts shown, find people through the
 * archivist. Element IDs and `data-testid`s are in `web/page.ts`.
 *
 * @module
 */
import { SearchCommand } from "../../dimp/command/mod.ts";
import { type ID, parseId } from "../../dimp/identity/mod.ts";
import {
  AccountImportError,
  type AccountRecord,
  createAccount,
  openAccount,
} from "./account.ts";
import { WebDirectory } from "./directory.ts";
import {
  type ChatText,
  type ConnectionState,
  type MessageState,
  WebSession,
} from "./session.ts";
import { PageStorage } from "./storage.ts";

/** The archivist's ANS name (it answers searches when the station runs it). */
const ARCHIVIST = parseId("archivist@anywhere");

/** A shown message with its progress (what the history keeps). */
interface _Shown extends ChatText {
  state?: MessageState;
  detail?: string;
}

const STATE_TEXT: Record<MessageState, string> = {
  queued: "queued",
  sent: "sent",
  station: "answered by the station",
  received: "received",
  failed: "not sent",
};

function _element<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

class _Page {
  readonly #storage: PageStorage;
  readonly #history = new Map<string, _Shown[]>();
  readonly #byKey = new Map<string, _Shown>();
  #session: WebSession | undefined;
  #record: AccountRecord | undefined;
  #peer: string | undefined;

  constructor(storage: PageStorage) {
    this.#storage = storage;
  }

  async start(): Promise<void> {
    this.#wireWelcome();
    const stored = await this.#storage.get("account");
    if (stored === undefined) {
      this.#status("no account", "");
      _element("welcome").hidden = false;
      return;
    }
    try {
      await this.#begin(stored);
    } catch (error) {
      this.#error(`the stored account is not usable: ${_text(error)}`);
      _element("welcome").hidden = false;
    }
  }

  // --------------------------------------------------------------- account

  #wireWelcome(): void {
    _element<HTMLFormElement>("register-form").addEventListener(
      "submit",
      (event) => {
        event.preventDefault();
        const name = _element<HTMLInputElement>("register-name").value.trim();
        if (name === "") return this.#error("please enter a name");
        const button = _element<HTMLButtonElement>("register-submit");
        button.disabled = true;
        this.#status("making keys", "");
        createAccount(name)
          .then((record) => this.#adopt(record))
          .catch((error) => this.#error(_text(error)))
          .finally(() => button.disabled = false);
      },
    );
    _element<HTMLInputElement>("import-file").addEventListener(
      "change",
      async (event) => {
        const file = (event.target as HTMLInputElement).files?.[0];
        if (file === undefined) return;
        let value: unknown;
        try {
          value = JSON.parse(await file.text());
        } catch {
          return this.#error(`${file.name} is not JSON: not a DIM account`);
        }
        this.#adopt(value).catch((error) =>
          this.#error(
            error instanceof AccountImportError ? error.message : _text(error),
          )
        );
      },
    );
  }

  async #adopt(value: unknown): Promise<void> {
    const { record } = await openAccount(value);
    await this.#storage.put("account", record);
    await this.#begin(record);
  }

  async #begin(value: unknown): Promise<void> {
    const { record, user, name } = await openAccount(value);
    this.#record = record;
    const history = await this.#storage.get("history");
    if (Array.isArray(history)) {
      for (const shown of history as _Shown[]) this.#remember(shown);
    }
    _element("welcome").hidden = true;
    _element("chat").hidden = false;
    _element("my-name").textContent = name;
    _element("my-id").textContent = user.id.value;
    this.#wireChat();
    const url = `${
      location.protocol === "https:" ? "wss" : "ws"
    }://${location.host}/`;
    this.#session = new WebSession(user, new WebDirectory(), url, {
      onState: (state, detail) => this.#status(state, detail),
      onText: (text) => this.#received(text),
      onProgress: (key, state, detail) => this.#progress(key, state, detail),
      // deno-lint-ignore no-console
      onWarn: (text) => console.warn(text),
      onContent: (content) => {
        if (content instanceof SearchCommand && content.isResponse) {
          this.#searchResults(content.users);
        }
      },
    });
    this.#session.start();
    this.#renderChats();
    const first = this.#history.keys().next().value;
    if (first !== undefined) this.#open(first);
  }

  // ------------------------------------------------------------------ chat

  #wireChat(): void {
    _element("copy-id").addEventListener("click", () => {
      // the clipboard API needs a secure context (https, localhost): else
      // the ID is selected for the user to copy
      const select = () => getSelection()?.selectAllChildren(_element("my-id"));
      if (navigator.clipboard === undefined) return select();
      navigator.clipboard.writeText(this.#record!.id).catch(select);
    });
    _element("export").addEventListener("click", () => {
      const blob = new Blob([JSON.stringify(this.#record, null, 2)], {
        type: "application/json",
      });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `${this.#record!.id}.json`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    });
    _element<HTMLFormElement>("open-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const text = _element<HTMLInputElement>("contact-id").value.trim();
      const id = this.#parse(text);
      if (id === undefined) return;
      if (!id.isUser && !id.isGroup) {
        return this.#error(`${id.value} is not a user or a group`);
      }
      this.#hideError();
      this.#open(id.value);
      if (id.isUser) {
        // a peer the station does not know is told now, not at the first send
        this.#session!.fetchVisa(id).then((missing) => {
          if (missing !== undefined && this.#peer === id.value) {
            this.#error(`no visa for ${id.value}: ${missing}`);
          }
        });
      } else {
        // the members and the title, from the group's assistant
        this.#session!.syncGroup(id).then(
          () => this.#renderChats(),
          (error) => this.#error(`${id.value}: ${_text(error)}`),
        );
      }
    });
    _element<HTMLFormElement>("send-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = _element<HTMLInputElement>("message-input");
      const text = input.value;
      if (text.trim() === "" || this.#peer === undefined) {
        if (this.#peer === undefined) this.#error("open a chat first");
        return;
      }
      input.value = "";
      const peer = parseId(this.#peer);
      const key = peer.isGroup
        ? this.#session!.sendGroupText(peer, text)
        : this.#session!.sendText(peer, text);
      this.#add({
        key,
        chat: this.#peer,
        sender: this.#record!.id,
        text,
        time: Date.now() / 1000,
        mine: true,
        state: "queued",
      });
    });
    _element<HTMLFormElement>("group-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const title = _element<HTMLInputElement>("group-name").value.trim();
      const words = _element<HTMLInputElement>("group-members").value
        .split(/[\s,]+/).filter((word) => word !== "");
      const members: ID[] = [];
      for (const word of words) {
        const id = this.#parse(word);
        if (id === undefined) return;
        if (!id.isUser) return this.#error(`${id.value} is not a user`);
        members.push(id);
      }
      if (title === "" || members.length === 0) {
        return this.#error("a group needs a name and at least one member");
      }
      const button = _element<HTMLButtonElement>("create-group");
      button.disabled = true;
      this.#hideError();
      this.#session!.createGroup(title, members)
        .then((group) => {
          _element<HTMLInputElement>("contact-id").value = group.value;
          this.#open(group.value);
        })
        .catch((error) => this.#error(`group not created: ${_text(error)}`))
        .finally(() => button.disabled = false);
    });
    _element<HTMLFormElement>("search-form").addEventListener(
      "submit",
      (e) => {
        e.preventDefault();
        const words = _element<HTMLInputElement>("search-name").value.trim();
        if (words === "") return;
        const session = this.#session!;
        session.send(session.newKey(), ARCHIVIST, SearchCommand.query(words));
      },
    );
  }

  #parse(text: string): ID | undefined {
    try {
      return parseId(text).withoutTerminal();
    } catch (error) {
      this.#error(`"${text}" is not a DIM ID: ${_text(error)}`);
      return undefined;
    }
  }

  #open(chat: string): void {
    this.#peer = chat;
    if (!this.#history.has(chat)) this.#history.set(chat, []);
    _element("peer").textContent = chat;
    const list = _element("messages");
    list.replaceChildren(
      ...this.#history.get(chat)!.map((shown) => this.#item(shown)),
    );
    list.scrollTop = list.scrollHeight;
    this.#renderChats();
  }

  #renderChats(): void {
    const nav = _element("chats");
    nav.replaceChildren(...[...this.#history.keys()].map((chat) => {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.testid = "chat";
      const name = this.#session?.directory.nameOf(parseId(chat));
      button.textContent = name === undefined ? chat.slice(0, 14) + "…" : name;
      button.title = chat;
      button.className = chat === this.#peer ? "active" : "";
      button.addEventListener("click", () => this.#open(chat));
      return button;
    }));
  }

  #item(shown: _Shown): HTMLLIElement {
    const li = document.createElement("li");
    li.dataset.testid = "message";
    li.dataset.key = shown.key;
    li.className = shown.mine ? "mine" : "theirs";
    if (shown.state !== undefined) li.dataset.state = shown.state;
    li.textContent = shown.text;
    const meta = document.createElement("span");
    meta.className = "meta";
    const who = shown.mine
      ? "you"
      : this.#session?.directory.nameOf(parseId(shown.sender)) ??
        shown.sender.slice(0, 10) + "…";
    const when = new Date(shown.time * 1000).toLocaleTimeString();
    const state = shown.state === undefined
      ? ""
      : ` · ${STATE_TEXT[shown.state]}${
        shown.detail ? ` (${shown.detail})` : ""
      }`;
    meta.textContent = `${who} · ${when}${state}`;
    li.append(meta);
    return li;
  }

  #remember(shown: _Shown): void {
    const list = this.#history.get(shown.chat) ?? [];
    list.push(shown);
    this.#history.set(shown.chat, list);
    this.#byKey.set(shown.key, shown);
  }

  #add(shown: _Shown): void {
    const isNew = !this.#history.has(shown.chat);
    this.#remember(shown);
    if (shown.chat === this.#peer) {
      const list = _element("messages");
      list.append(this.#item(shown));
      list.scrollTop = list.scrollHeight;
    }
    if (isNew) this.#renderChats();
    this.#save();
  }

  #received(text: ChatText): void {
    if (this.#byKey.has(text.key)) return;
    if (this.#peer === undefined) this.#peer = text.chat;
    this.#add(text);
    // the sender's name is known by now (its visa came to open the message)
    this.#renderChats();
    if (
      this.#peer === text.chat && _element("peer").textContent !== text.chat
    ) {
      this.#open(text.chat);
    }
  }

  #progress(key: string, state: MessageState, detail?: string): void {
    const shown = this.#byKey.get(key);
    if (shown === undefined) return;
    // receipts may come in any order: never step back
    const order: MessageState[] = ["queued", "sent", "station", "received"];
    if (
      state !== "failed" && shown.state !== undefined &&
      order.indexOf(state) < order.indexOf(shown.state)
    ) return;
    shown.state = state;
    shown.detail = detail;
    if (state === "failed") this.#error(detail ?? "a message was not sent");
    const old = document.querySelector(`li[data-key="${CSS.escape(key)}"]`);
    old?.replaceWith(this.#item(shown));
    this.#save();
  }

  #save(): void {
    const all = [...this.#history.values()].flat().slice(-2000);
    this.#storage.put("history", all).catch(() => {});
  }

  #searchResults(users: readonly ID[]): void {
    const list = _element("search-results");
    list.replaceChildren(...users.map((user) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Chat";
      button.addEventListener("click", () => {
        _element<HTMLInputElement>("contact-id").value = user.value;
        this.#open(user.withoutTerminal().value);
      });
      li.append(button, ` ${user.value}`);
      return li;
    }));
    if (users.length === 0) list.textContent = "nobody found";
  }

  // ---------------------------------------------------------------- status

  #status(state: ConnectionState | string, detail: string): void {
    const element = _element("status");
    element.textContent = detail === "" ? state : `${state} — ${detail}`;
    element.className = `status ${state}`;
    if (state === "online") this.#renderChats();
  }

  #error(text: string): void {
    const element = _element("error");
    element.textContent = text;
    element.hidden = false;
  }

  #hideError(): void {
    _element("error").hidden = true;
  }
}

function _text(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

PageStorage.open()
  .then((storage) => new _Page(storage).start())
  .catch((error) => {
    const element = document.getElementById("error");
    if (element !== null) {
      element.textContent = `the page cannot start: ${_text(error)}`;
      element.hidden = false;
    }
  });
