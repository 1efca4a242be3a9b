/**
 * A real headless Chromium (Debian's `chromium`, driven by `puppeteer-core`)
 * for the chat page tests: a fresh profile per browser, the flags that work
 * on CI machines, and the page's `data-testid` surface as helpers.
 *
 * @module
 */
import assert from "node:assert/strict";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

/**
 * The little of the page's DOM the functions run in the page use (this
 * file is type-checked with Deno's globals, not the browser's).
 */
export interface PageNode {
  readonly textContent: string | null;
  readonly hidden: boolean;
  readonly dataset: Readonly<Record<string, string | undefined>>;
  value: string;
}

/** The page's `document`, as far as {@link PageNode} goes. */
export interface PageDocument {
  readonly documentElement: { readonly scrollWidth: number };
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): Iterable<PageNode>;
}

declare const document: PageDocument;
declare const innerWidth: number;

/** Where Debian's package puts Chromium (`.ci/run` installs it). */
const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

/** How long one wait for the page may take (ms). */
export const PAGE_TIMEOUT_MS = 30_000;

/** A Chromium with its own profile, closed and removed when disposed. */
export class TestBrowser implements AsyncDisposable {
  readonly browser: Browser;
  readonly #profile: string;

  private constructor(browser: Browser, profile: string) {
    this.browser = browser;
    this.#profile = profile;
  }

  /** Starts Chromium with a fresh `--user-data-dir`. */
  static async launch(): Promise<TestBrowser> {
    const profile = await Deno.makeTempDir({ prefix: "dim-chromium-" });
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    return new TestBrowser(browser, profile);
  }

  /** A new tab on `url` (a phone-sized one with `phone`), with the page's errors collected. */
  async open(
    url: string,
    options: { phone?: boolean } = {},
  ): Promise<ChatPage> {
    const page = await this.browser.newPage();
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    if (options.phone) {
      await page.setViewport({
        width: 390,
        height: 844,
        isMobile: true,
        hasTouch: true,
        deviceScaleFactor: 2,
      });
    }
    const chat = new ChatPage(page);
    await page.goto(url);
    await chat.ready();
    return chat;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.browser.close();
    await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }
}

/** One tab of the chat page, used through its `data-testid`s. */
export class ChatPage {
  readonly page: Page;
  /** Uncaught errors of the page's script. */
  readonly errors: string[] = [];
  /** What the page's script logged. */
  readonly console: string[] = [];

  constructor(page: Page) {
    this.page = page;
    page.on("pageerror", (error) => this.errors.push(String(error)));
    page.on("console", (message) => this.console.push(message.text()));
  }

  /** The element with `data-testid` = `id`. */
  testid(id: string): string {
    return `[data-testid="${id}"]`;
  }

  /** Types into the visible element `id`. */
  async type(id: string, text: string): Promise<void> {
    await this.page.waitForSelector(this.testid(id), { visible: true });
    await this.page.type(this.testid(id), text);
  }

  /** Clicks the visible element `id`. */
  async click(id: string): Promise<void> {
    await this.page.waitForSelector(this.testid(id), { visible: true });
    await this.page.click(this.testid(id));
  }

  /** Creates an account named `name`; resolves with its ID once online. */
  async register(name: string): Promise<string> {
    await this.type("register-name", name);
    await this.click("register-submit");
    await this.online();
    return await this.myId();
  }

  /** Waits until the page's script runs (its status is no longer `loading`). */
  async ready(): Promise<void> {
    await this.page.waitForFunction(
      (selector) => {
        const text = document.querySelector(selector)?.textContent;
        return text !== undefined && text !== null && text !== "loading";
      },
      {},
      this.testid("status"),
    );
  }

  /** Picks `path` in the import file chooser. */
  async importFile(path: string): Promise<void> {
    const input = await this.page.$('input[data-testid="import-file"]');
    assert.ok(input !== null);
    await input.uploadFile(path);
  }

  /** Waits until the status says `online`. */
  async online(): Promise<void> {
    try {
      await this.page.waitForFunction(
        (selector) =>
          document.querySelector(selector)?.textContent?.includes("online") &&
          !document.querySelector(selector)?.textContent?.includes("offline"),
        {},
        this.testid("status"),
      );
    } catch (error) {
      const status = await this.page.$eval(
        this.testid("status"),
        (e) => e.textContent,
      ).catch(() => "?");
      throw new Error(
        `not online (status "${status}", error "${await this.error()}", ` +
          `console ${JSON.stringify(this.console)}): ${error}`,
      );
    }
  }

  /** The user's ID as shown. */
  async myId(): Promise<string> {
    await this.page.waitForFunction(
      (selector) =>
        (document.querySelector(selector)?.textContent ?? "") !== "",
      {},
      this.testid("my-id"),
    );
    return await this.page.$eval(
      this.testid("my-id"),
      (element) => element.textContent!,
    );
  }

  /** Opens the chat with `id`. */
  async openChat(id: string): Promise<void> {
    await this.page.$eval(
      this.testid("contact-id"),
      (e) => (e as unknown as PageNode).value = "",
    );
    await this.type("contact-id", id);
    await this.click("open-chat");
  }

  /** Sends `text` in the open chat. */
  async send(text: string): Promise<void> {
    await this.type("message-input", text);
    await this.click("send");
  }

  /** The texts of the shown messages. */
  async messages(): Promise<string[]> {
    return await this.page.$$eval(
      this.testid("message"),
      (elements) => elements.map((e) => e.textContent ?? ""),
    );
  }

  /** Waits until a shown message contains `text`. */
  async waitForMessage(text: string): Promise<void> {
    await this.page.waitForFunction(
      (selector, wanted) =>
        [...document.querySelectorAll(selector)].some((e) =>
          e.textContent?.includes(wanted)
        ),
      {},
      this.testid("message"),
      text,
    );
  }

  /** Waits until the message containing `text` is in `state`. */
  async waitForState(text: string, state: string): Promise<void> {
    await this.page.waitForFunction(
      (selector, wanted, want) =>
        [...document.querySelectorAll(selector)].some((e) =>
          e.textContent?.includes(wanted) &&
          e.dataset.state === want
        ),
      {},
      this.testid("message"),
      text,
      state,
    );
  }

  /** The error shown in the page ("" when none). */
  async error(): Promise<string> {
    return await this.page.$eval(
      this.testid("error"),
      (e) => (e as unknown as PageNode).hidden ? "" : e.textContent ?? "",
    );
  }

  /** Asserts nothing is wider than the screen (no sideways scrolling). */
  async assertFitsWidth(): Promise<void> {
    const [content, screen] = await this.page.evaluate(() => [
      document.documentElement.scrollWidth,
      innerWidth,
    ]);
    assert.ok(content <= screen, `${content} px wide on a ${screen} px screen`);
  }

  /** Asserts the page's script threw nothing. */
  assertNoErrors(): void {
    assert.deepEqual(this.errors, []);
  }
}
