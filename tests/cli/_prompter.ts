/**
 * A prompter that answers from a list, for tests of the interactive paths.
 *
 * @module
 */
import type { Prompter } from "../../cli/prompt.ts";

/** Answers from `answers` in order; an empty answer or the end of the list gives the default. */
export function scriptedPrompter(answers: readonly string[]): Prompter & {
  readonly asked: string[];
} {
  const queue = [...answers];
  const asked: string[] = [];
  return {
    interactive: true,
    asked,
    ask(question, defaultValue) {
      asked.push(question);
      const answer = (queue.shift() ?? "").trim();
      return Promise.resolve(answer === "" ? defaultValue : answer);
    },
  };
}
