/**
 * Receipts of the command processors (station.md §4.9): the text, the
 * request's envelope as `origin` (with the content's `sn`), the content's
 * `group`, and the `template` / `replacements` extras clients format.
 *
 * @module
 */
import { ReceiptCommand } from "../../dimp/command/mod.ts";
import type { Content } from "../../dimp/content/mod.ts";
import type { Request } from "../core.ts";

/**
 * A receipt answering `content` of `request`.
 *
 * @example
 * ```ts ignore
 * respond("Login received.", request, content, "Login command received: ${did}.", { did: user.value });
 * ```
 */
export function respond(
  text: string,
  request: Request,
  content: Content,
  template?: string,
  replacements?: Record<string, unknown>,
): ReceiptCommand {
  return ReceiptCommand.create(text, request.msg, {
    originSn: content.sn,
    group: content.group,
    extra: template === undefined ? undefined : { template, replacements },
  });
}

/**
 * A receipt whose template is its text with the ID: `Meta received.` →
 * `Meta received: ${did}.` (the meta and document replies).
 *
 * @example
 * ```ts ignore
 * respondFor("Document not found.", request, content, id);
 * ```
 */
export function respondFor(
  text: string,
  request: Request,
  content: Content,
  did: string,
): ReceiptCommand {
  return respond(
    text,
    request,
    content,
    `${text.slice(0, -1)}: \${did}.`,
    { did },
  );
}
