// Drives a running code-server (VS Code in the browser) with playwright-core and Debian's chromium.
// Usage: node driver.mjs '<json>' with {url, folder, scenario, artifacts, ...scenario parameters}.
// Prints one JSON line {"ok": true, ...} on success; on failure prints {"ok": false, "error": ...},
// saves a screenshot and the page's text under `artifacts`, and exits 1.
import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const params = JSON.parse(process.argv[2]);
const CHROMIUM = process.env.TORCHWISE_CHROMIUM || "/usr/bin/chromium";
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];
const isMac = process.platform === "darwin";
const MOD = isMac ? "Meta" : "Control";

function log(...args) {
  process.stderr.write(`[driver ${params.scenario}] ${args.join(" ")}\n`);
}

class StepError extends Error {}

async function until(what, fn, timeoutMs = 30000, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) {
        return value;
      }
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new StepError(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${lastErr.message})` : ""}`);
}

// ---- workbench helpers ---------------------------------------------------------------------------------
async function statusText(page) {
  const items = page.locator(".statusbar-item", { hasText: "Torchwise" });
  if ((await items.count()) === 0) {
    return "";
  }
  return (await items.first().innerText()).trim();
}

/** Wait until the Torchwise server is up (status bar), failing at once when it reports a failure. */
async function waitForServer(page, { allowFailure = false } = {}) {
  let text = "";
  await until(
    "the Torchwise status bar item to show a running server",
    async () => {
      text = await statusText(page);
      if (/server not running/.test(text)) {
        if (allowFailure) {
          return true;
        }
        const toasts = await page.locator(".notifications-toasts").innerText().catch(() => "");
        throw new StepError(`the Torchwise server did not start: status bar "${text}"; notifications: ${toasts}`);
      }
      return /Torchwise: (?!starting)/.test(text);
    },
    90000,
  ).catch((err) => {
    if (err instanceof StepError && /did not start/.test(err.message)) {
      throw err;
    }
    throw new StepError(`${err.message}; last status bar text: "${text}"`);
  });
  return text;
}

async function runCommand(page, title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10000 });
  await input.fill(`>${title}`);
  const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first();
  await row.waitFor({ state: "visible", timeout: 10000 });
  await page.keyboard.press("Enter");
}

async function openFile(page, name) {
  await until(`${name} to open`, async () => {
    await page.keyboard.press(`${MOD}+P`);
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible", timeout: 5000 });
    await input.fill(name);
    const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: name }).first();
    await row.waitFor({ state: "visible", timeout: 5000 });
    await page.keyboard.press("Enter");
    await page.locator(`.tab.active[aria-label*="${name}"]`).waitFor({ state: "visible", timeout: 5000 });
    return true;
  });
  await page.locator(".monaco-editor .view-lines").first().waitFor({ state: "visible" });
  await page.locator(".editor-group-container.active .monaco-editor textarea").first().focus();
}

async function gotoLine(page, line, column = 1) {
  await page.keyboard.press(`${MOD}+G`);
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 5000 });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press("Enter");
  await input.waitFor({ state: "hidden", timeout: 5000 });
}

/** Hide what may cover or squeeze the editor (the panel below it, the secondary side bar beside it,
 * notification toasts), so that a word sits where the editor says it is drawn. */
async function clearStage(page) {
  if (await page.locator(".part.auxiliarybar").isVisible().catch(() => false)) {
    await runCommand(page, "View: Toggle Secondary Side Bar Visibility");
  }
  if (await page.locator(".part.panel").isVisible().catch(() => false)) {
    await runCommand(page, "View: Toggle Panel Visibility");
  }
  await page.locator(".notifications-toasts .codicon-notifications-clear-all, .notification-toast .codicon-notifications-clear").first().click({ timeout: 1000 }).catch(() => undefined);
  await page.locator(".editor-group-container.active .monaco-editor textarea").first().focus();
}

/** Where the editor draws its caret after going to line:column (viewport pixels). */
async function caretPoint(page, line, column) {
  await gotoLine(page, line, column);
  const caret = page.locator(".editor-group-container.active .monaco-editor .cursors-layer .cursor").first();
  return until(`the caret at ${line}:${column}`, async () => {
    const box = await caret.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, height: r.height };
    });
    return box.height > 0 ? box : null;
  }, 5000, 100);
}

/** Text of the active editor's model, read through the editor's accessibility textarea is unreliable:
 * read the rendered lines instead (the test files are short, so every line is rendered). */
async function editorText(page) {
  const lines = page.locator(".editor-group-container.active .monaco-editor .view-lines .view-line");
  const tops = await lines.evaluateAll((els) =>
    els.map((el) => ({ top: parseFloat(el.style.top || "0"), text: el.textContent.replace(/\u00a0/g, " ") })),
  );
  tops.sort((a, b) => a.top - b.top);
  return tops.map((t) => t.text).join("\n");
}

async function squiggleCount(page) {
  return page
    .locator(".editor-group-container.active .monaco-editor .view-overlays .squiggly-error, .editor-group-container.active .monaco-editor .view-overlays .squiggly-warning, .editor-group-container.active .monaco-editor .view-overlays .squiggly-info")
    .count();
}

async function notificationsText(page) {
  return (await page.locator(".notifications-toasts").innerText().catch(() => "")).trim();
}

function torchwiseLogs(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "Torchwise.log") out.push(fs.readFileSync(full, "utf8"));
    }
  };
  walk(dir);
  return out.join("\n");
}

function webviewFrame(page) {
  return page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
}

// ---- scenarios -----------------------------------------------------------------------------------------
const scenarios = {
  async ready(page) {
    return { status: await waitForServer(page) };
  },

  async serverState(page) {
    // The server's state as the status bar shows it, started or failed.
    return { status: await waitForServer(page, { allowFailure: true }) };
  },

  async serverFailure(page) {
    // A broken interpreter setting: the extension must say so loudly (toast + status bar), not hang.
    const status = await waitForServer(page, { allowFailure: true });
    if (!/server not running/.test(status)) {
      throw new StepError(`expected the status bar to report the failure, got "${status}"`);
    }
    const toast = await until("an error notification", async () => {
      const text = await notificationsText(page);
      return /Torchwise/.test(text) ? text : "";
    });
    // The status bar item of a failed server opens the Torchwise log (Show Log), which says why.
    await page.locator(".statusbar-item", { hasText: "Torchwise" }).first().click();
    const output = page.locator(".part.panel .view-lines").first();
    const logText = await until("the Torchwise log in the Output panel", async () => {
      // the log may be long (an earlier window's trace in the same session): its end is what
      // the failure wrote last, and the view draws only the lines in sight
      await output.click().catch(() => {});
      await page.keyboard.press("Control+End").catch(() => {});
      const t = (await output.innerText().catch(() => "")).replace(/\u00a0/g, " ");
      return /was not found/.test(t) ? t : "";
    }, 15000);
    return { status, notification: toast, log: logText.slice(-3000) };
  },

  async hover(page, p) {
    // As a user does: rest the mouse on the word (a retry or two while the server warms up;
    // never the command palette). The word's box comes from the editor's own caret: placed before
    // and after the word, it marks where the word is drawn, whatever panels or CodeLenses moved it.
    await waitForServer(page);
    await openFile(page, p.file);
    await clearStage(page);
    const start = p.column - Math.floor(p.word.length / 2);
    const left = await caretPoint(page, p.line, start);
    const right = await caretPoint(page, p.line, start + p.word.length);
    if (Math.abs(left.y - right.y) > 1 || right.x <= left.x) {
      throw new StepError(`the word "${p.word}" at ${p.line}:${start} is not on one row: ${JSON.stringify({ left, right })}`);
    }
    const x = (left.x + right.x) / 2;
    const y = left.y + left.height / 2;
    const under = await page.evaluate(([px, py]) => document.elementFromPoint(px, py)?.textContent ?? "", [x, y]);
    if (!under.includes(p.word)) {
      throw new StepError(`the mouse point (${x}, ${y}) is over "${under.slice(0, 80)}", not "${p.word}"`);
    }
    await page.locator(".editor-group-container.active .monaco-editor textarea").first().press("Escape");
    const hover = page.locator(".monaco-hover:not(.hidden)").first();
    let hoverText = "";
    let tries = 0;
    await until(
      `a hover containing "${p.expect}" under the mouse`,
      async () => {
        tries += 1;
        await page.mouse.move(x, y + 3 * left.height, { steps: 2 }); // off the word: the hover closes
        await page.mouse.move(x, y, { steps: 5 });
        await hover.waitFor({ state: "visible", timeout: 4000 }).catch(() => undefined);
        // the hover first says "Loading..."; wait a moment for the server's answer
        await until("hover content", async () => !/^\s*Loading/.test(await hover.innerText()), 3000, 100).catch(() => undefined);
        hoverText = (await hover.innerText().catch(() => "")).replace(/\s+/g, " ").trim();
        return hoverText.includes(p.expect);
      },
      20000,
      500,
    ).catch((err) => {
      throw new StepError(`${err.message} (${tries} tries); last hover text: "${hoverText.slice(0, 400)}"`);
    });
    return { hover: hoverText.slice(0, 2000), tries };
  },

  async notebook(page, p) {
    // A Jupyter notebook in VS Code's built-in notebook editor: a lint squiggle in a cell, and a
    // hover on a name whose meaning comes from an earlier cell.
    await waitForServer(page);
    await until(`${p.file} to open in the notebook editor`, async () => {
      await page.keyboard.press(`${MOD}+P`);
      const input = page.locator(".quick-input-widget input");
      await input.waitFor({ state: "visible", timeout: 5000 });
      await input.fill(p.file);
      const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: p.file }).first();
      await row.waitFor({ state: "visible", timeout: 5000 });
      await page.keyboard.press("Enter");
      await page.locator(".notebook-editor .cell-editor-container .view-lines").first().waitFor({ state: "visible", timeout: 10000 });
      return true;
    });
    const squiggleSelector = [".squiggly-error", ".squiggly-warning", ".squiggly-info"]
      .map((c) => `.notebook-editor .cell-editor-container .view-overlays ${c}`).join(", ");
    await until("a lint squiggle in a notebook cell", async () => (await page.locator(squiggleSelector).count()) > 0, 90000);
    // then the count once it has held for 2 s (a later cell's diagnostics may still be arriving),
    // and where each squiggle is drawn: per cell, in document order
    let squiggles = -1;
    let since = Date.now();
    await until("the squiggle count to settle", async () => {
      const n = await page.locator(squiggleSelector).count();
      if (n !== squiggles) {
        squiggles = n;
        since = Date.now();
      }
      return Date.now() - since >= 2000;
    }, 30000);
    const cellSquiggles = await page.locator(".notebook-editor .cell-editor-container").evaluateAll(
      (cells, sel) => cells.map((cell) => cell.querySelectorAll(sel).length),
      [".squiggly-error", ".squiggly-warning", ".squiggly-info"].map((c) => `.view-overlays ${c}`).join(", "),
    );
    let hoverText = "";
    await until(
      `a hover containing "${p.expect}" in a cell`,
      async () => {
        const token = page.locator(".notebook-editor .cell-editor-container .view-line span span", { hasText: p.word }).last();
        await token.hover({ timeout: 5000 });
        const hover = page.locator(".monaco-hover:not(.hidden)").first();
        await hover.waitFor({ state: "visible", timeout: 5000 });
        hoverText = (await hover.innerText()).replace(/\s+/g, " ");
        if (!hoverText.includes(p.expect)) {
          await page.mouse.move(5, 5);
          return false;
        }
        return true;
      },
      60000,
      500,
    ).catch((err) => {
      throw new StepError(`${err.message}; last hover text: "${hoverText.slice(0, 400)}"`);
    });
    return { squiggles, cellSquiggles, hover: hoverText.slice(0, 2000) };
  },

  async lintAndQuickFix(page, p) {
    await waitForServer(page);
    await openFile(page, p.file);
    // Squiggle in the editor.
    await until("a lint squiggle in the editor", async () => (await squiggleCount(page)) > 0, 60000);
    const before = await squiggleCount(page);
    // The finding in the Problems panel.
    await runCommand(page, "Focus on Problems View");
    const problems = page.locator(".markers-panel .monaco-list-row");
    const row = problems.filter({ hasText: p.problem }).first();
    await until(`a Problems entry containing "${p.problem}"`, async () => (await row.count()) > 0 && row.isVisible(), 30000);
    const problemText = (await row.innerText()).replace(/\s+/g, " ");
    // Quick fix at the finding.
    await page.locator(".editor-group-container .monaco-editor textarea").first().focus();
    let applied = false;
    await until(
      `the quick fix "${p.fixTitle}"`,
      async () => {
        await gotoLine(page, p.line, p.column);
        if (p.via === "lightbulb") {
          // the light bulb VS Code shows at the cursor (a content widget, or in the gutter when the line has no room)
          const bulb = page.locator(".editor-group-container.active .monaco-editor :is(.lightBulbWidget, [class*='gutter-lightbulb'])").first();
          await bulb.waitFor({ state: "visible", timeout: 5000 });
          await bulb.click();
        } else {
          await page.keyboard.press(`${MOD}+Period`);
        }
        const action = page.locator(".action-widget .monaco-list-row", { hasText: p.fixTitle }).first();
        try {
          await action.waitFor({ state: "visible", timeout: 5000 });
        } catch (err) {
          await page.keyboard.press("Escape");
          throw err;
        }
        await action.click();
        applied = true;
        return true;
      },
      45000,
      500,
    );
    const text = await until(`the fixed text "${p.fixedText}"`, async () => {
      const t = await editorText(page);
      return t.includes(p.fixedText) ? t : "";
    });
    await until(
      "the squiggle to go away",
      async () => {
        const n = await squiggleCount(page);
        return n < before;
      },
      30000,
    );
    await until(`the Problems entry "${p.problem}" to go away`, async () => (await row.count()) === 0, 30000);
    return { problem: problemText, applied, text, squigglesBefore: before, squigglesAfter: await squiggleCount(page), fixedLine: text.split("\n").find((l) => l.includes(p.fixedText)) };
  },

  async snippet(page, p) {
    await waitForServer(page);
    await openFile(page, p.file);
    await clearStage(page);
    await gotoLine(page, 100000, 1); // clamps to the last line and focuses the editor
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    // As a user does: type "pt-" and watch the suggestions come up on their own (never Ctrl+Space),
    // then narrow them down and accept with Enter. Like a user, look at the list after the first
    // letter: a "-" typed before a slow machine shows the list would end the word it opened for.
    const rows = page.locator(".suggest-widget.visible .monaco-list-row");
    await page.keyboard.type("p");
    await until('suggestions to appear after typing "p" (no Ctrl+Space)', async () => (await rows.count()) > 0, 20000, 200);
    await page.keyboard.type("t-", { delay: 80 });
    await until('suggestions still shown after typing "pt-"', async () => (await rows.count()) > 0 &&
      (await rows.first().innerText()).trim().startsWith("pt-"), 10000, 200);
    const shown = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    await page.keyboard.type(p.prefix.slice(3), { delay: 40 });
    const focused = page.locator(".suggest-widget.visible .monaco-list-row.focused", { hasText: p.prefix });
    await until(`the suggestion "${p.prefix}" to be the focused one`, async () => (await focused.count()) > 0, 10000, 200);
    const chosen = (await focused.first().innerText()).replace(/\s+/g, " ").trim();
    await page.keyboard.press("Enter");
    const text = await until(`the expanded snippet containing "${p.expect}"`, async () => {
      const t = await editorText(page);
      return t.includes(p.expect) ? t : "";
    });
    return { shown, chosen, expanded: text.split("\n").filter((l) => l.includes(p.expect)), text };
  },

  async runCell(page, p) {
    await waitForServer(page);
    await openFile(page, p.file);
    const lens = page.locator(".editor-group-container.active .monaco-editor .codelens-decoration a", { hasText: /^Run Cell$/ });
    await gotoLine(page, 1, 1);
    await until("a Run Cell CodeLens", async () => (await lens.count()) > 0, 30000);
    await lens.nth(p.cellIndex ?? 0).click();
    const frame = webviewFrame(page);
    const outputs = frame.locator(".run .run-body");
    await until(`output containing "${p.expect}"`, async () => (await outputs.last().innerText()).includes(p.expect), 120000, 500).catch(
      async (err) => {
        const notes = await frame.locator("body").innerText().catch(() => "(no output panel)");
        throw new StepError(`${err.message}; output panel: ${notes.slice(0, 1500)}; notifications: ${await notificationsText(page)}`);
      },
    );
    const footer = frame.locator(".run .footer").last();
    await footer.waitFor({ state: "visible", timeout: 60000 });
    const footerText = (await footer.innerText()).trim();
    const output = (await outputs.last().innerText()).trim();
    await until("the status bar to show the kernel's device", async () => /Torchwise: \S+ · idle/.test(await statusText(page)), 15000);
    return { output, footer: footerText, status: await statusText(page) };
  },

  async shiftEnter(page, p) {
    // Shift+Enter inside a cell (keybinding gated by the torchwise.hasCells context key) runs the
    // cell and moves the cursor into the next one.
    await waitForServer(page);
    await openFile(page, p.file);
    await gotoLine(page, p.line, 1);
    await page.keyboard.press("Shift+Enter");
    const frame = webviewFrame(page);
    const outputs = frame.locator(".run .run-body");
    await until(`output containing "${p.expect}"`, async () => (await outputs.last().innerText()).includes(p.expect), 120000, 500);
    const cursor = page.locator(".statusbar-item", { hasText: /Ln \d+, Col \d+/ }).first();
    const position = await until(`the cursor on line ${p.nextLine}`, async () => {
      const t = (await cursor.innerText()).trim();
      return t.startsWith(`Ln ${p.nextLine},`) ? t : "";
    }, 15000);
    return { output: (await outputs.last().innerText()).trim(), position };
  },

  async errorLocation(page, p) {
    // A cell that raises: the traceback names the document and its real line, and clicking the
    // location in the output panel moves the editor there.
    await waitForServer(page);
    await openFile(page, p.file);
    await gotoLine(page, 1, 1);
    const lens = page.locator(".editor-group-container.active .monaco-editor .codelens-decoration a", { hasText: new RegExp(`^${p.lens}$`) });
    await until(`the ${p.lens} CodeLenses`, async () => (await lens.count()) > p.cellIndex, 30000);
    await lens.nth(p.cellIndex).click();
    const frame = webviewFrame(page);
    const error = frame.locator(".run pre.error").last();
    await until(`an error containing "${p.expect}"`, async () => (await error.innerText()).includes(p.expect), 120000, 500);
    const link = error.locator("a.loc", { hasText: `${p.file}:${p.errorLine}` }).first();
    await link.waitFor({ state: "visible", timeout: 10000 });
    const linkText = (await link.innerText()).trim();
    const footer = (await frame.locator(".run .footer").last().innerText()).trim();
    await gotoLine(page, 1, 1);
    await link.click();
    const cursor = page.locator(".statusbar-item", { hasText: /Ln \d+, Col \d+/ }).first();
    const position = await until(`the cursor on line ${p.errorLine}`, async () => {
      const t = (await cursor.innerText()).trim();
      return t.startsWith(`Ln ${p.errorLine},`) ? t : "";
    }, 15000);
    return { error: (await error.innerText()).trim().slice(0, 2000), link: linkText, footer, position };
  },

  async cellRun(page, p) {
    // Generic: run a cell by its CodeLens, optionally interrupt it once some output arrived, and
    // report the footer, the text output and the images the output panel shows.
    await waitForServer(page);
    await openFile(page, p.file);
    await gotoLine(page, 1, 1);
    const lens = page.locator(".editor-group-container.active .monaco-editor .codelens-decoration a", { hasText: new RegExp(`^${p.lens}$`) });
    await until(`the ${p.lens} CodeLenses`, async () => (await lens.count()) > p.cellIndex, 30000);
    await lens.nth(p.cellIndex).click();
    const frame = webviewFrame(page);
    const body = frame.locator(".run .run-body").last();
    if (p.expectOutput) {
      await until(`output containing "${p.expectOutput}"`, async () => (await body.innerText()).includes(p.expectOutput), 120000, 300);
    }
    let runningBeforeInterrupt = null;
    if (p.interrupt) {
      runningBeforeInterrupt = await frame.locator(".run .running").last().isVisible();
      if (p.interrupt === "stopButton") {
        // the Stop button of the running cell's own header
        await frame.locator(".run.active .run-actions button", { hasText: "Stop" }).last().click();
      } else if (p.interrupt === "panelStop") {
        await frame.locator("#toolbar #stop:not([disabled])").click();
      } else {
        await runCommand(page, "Torchwise: Interrupt Kernel");
      }
    }
    const footer = frame.locator(".run .footer").last();
    await footer.waitFor({ state: "visible", timeout: 120000 });
    const images = await body.locator("img").evaluateAll((els) => els.map((el) => ({ width: el.naturalWidth, height: el.naturalHeight, complete: el.complete })));
    // Colours as rendered (ansi_up's classes) and the DOM text line by line.
    const ansiClasses = await body.locator("span[class*='ansi-']").evaluateAll((els) => [...new Set(els.flatMap((el) => [...el.classList]))]);
    const prompt = (await frame.locator(".run .prompt").last().innerText().catch(() => "")).trim();
    const errors = await body.locator("pre.error").count();
    // HTML reprs as the panel holds them (sanitised), and any script element that got into the output
    const html = await body.locator(".html-output").evaluateAll((els) => els.map((el) => el.innerHTML));
    const scripts = await body.locator("script").count();
    return { footer: (await footer.innerText()).trim(), output: (await body.innerText()).trim(), images, runningBeforeInterrupt, ansiClasses, prompt, errors, html, scripts };
  },

  async variables(page, p) {
    // Run a cell, then "Torchwise: Show Variables" lists what the kernel holds.
    await scenarios.cellRun(page, p);
    await runCommand(page, "Torchwise: Show Variables");
    const title = page.locator(".quick-input-widget .quick-input-title", { hasText: "Torchwise: Variables" });
    const rows = page.locator(".quick-input-widget .monaco-list-row");
    await until("the variables list", async () => (await title.isVisible()) && (await rows.count()) > 0, 60000, 300).catch(async (err) => {
      throw new StepError(`${err.message}; notifications: ${await notificationsText(page)}`);
    });
    const labels = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    await page.keyboard.press("Escape");
    return { variables: labels };
  },

  async variablesView(page, p) {
    // Run a cell, then the "Torchwise Variables" view in the side bar lists what the kernel holds.
    await scenarios.cellRun(page, p);
    await runCommand(page, "Focus on Torchwise Variables View");
    const pane = page.locator(".pane", { has: page.locator(".pane-header", { hasText: /Torchwise Variables/i }) });
    const rows = pane.locator(".monaco-list-row");
    await until(`a variables row containing "${p.expectRow}"`, async () => (await rows.allInnerTexts()).some((t) => t.includes(p.expectRow)), 60000, 300);
    return { rows: (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim()) };
  },

  async liveHover(page, p) {
    // Run a cell, then hovering a name the kernel holds shows its live value first.
    await scenarios.cellRun(page, p);
    return scenarios.hover(page, { ...p, expect: p.hoverExpect });
  },

  async codeLensAfterQuickOpen(page, p) {
    // Open a file with Ctrl+P and neither scroll nor move the cursor: the Run Cell lens must show.
    await waitForServer(page);
    await openFile(page, p.file);
    const lens = page.locator(".editor-group-container.active .monaco-editor .codelens-decoration a", { hasText: /^Run Cell$/ });
    await until("a Run Cell CodeLens without scrolling", async () => (await lens.count()) > 0, 30000);
    return { lenses: await lens.count() };
  },

  async notebookRun(page, p) {
    // Open an .ipynb (VS Code's built-in notebook editor), run it on the Torchwise controller and
    // read the output the built-in renderer shows (in a webview frame) and the cell's status bar.
    await waitForServer(page);
    await until(`${p.file} to open`, async () => {
      await page.keyboard.press(`${MOD}+P`);
      const input = page.locator(".quick-input-widget input");
      await input.waitFor({ state: "visible", timeout: 5000 });
      await input.fill(p.file);
      const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: p.file }).first();
      await row.waitFor({ state: "visible", timeout: 5000 });
      await page.keyboard.press("Enter");
      await page.locator(".notebook-editor").first().waitFor({ state: "visible", timeout: 10000 });
      return true;
    });
    await page.waitForTimeout(1000);
    // the notebook toolbar's own "Run All" button (the palette's fuzzy list sometimes ranks
    // other commands first while it fills)
    const runAll = page.locator(".notebook-toolbar-container .action-item", { hasText: "Run All" }).first();
    // (isVisible does not wait: under load the toolbar is drawn a moment later)
    if (await runAll.waitFor({ state: "visible", timeout: 15000 }).then(() => true, () => false)) {
      await runAll.click();
    } else {
      await runCommand(page, "Notebook: Run All");
    }
    // With the controller preferred the kernel may be chosen already; otherwise pick it.
    const pick = page.locator(".quick-input-widget .monaco-list-row", { hasText: "Torchwise" }).first();
    if (await pick.isVisible({ timeout: 5000 }).catch(() => false)) {
      await pick.click();
    }
    const outputText = async () => {
      const texts = [];
      for (const frame of page.frames()) {
        texts.push(await frame.locator("body").innerText({ timeout: 1000 }).catch(() => ""));
      }
      return texts.join("\n");
    };
    let seen = "";
    await until(`notebook output containing "${p.expect}"`, async () => {
      seen = await outputText();
      return seen.includes(p.expect);
    }, 120000, 500).catch(async (err) => {
      throw new StepError(`${err.message}; notifications: ${await notificationsText(page)}`);
    });
    const status = page.locator(".cell-statusbar-container", { hasText: "peak" }).first();
    await status.waitFor({ state: "visible", timeout: 30000 });
    const kernelLabel = (await page.locator(".notebook-toolbar-container, .notebook-kernel-picker, .kernel-label").first().innerText().catch(() => "")).trim();
    const at = seen.indexOf(p.expect);
    return { output: seen.slice(Math.max(0, at - 500), at + 500), cellStatus: (await status.innerText()).replace(/\s+/g, " ").trim(), kernelLabel };
  },

  async restarts(page, p) {
    // "Torchwise: Restart Server", then a settings change (written to the workspace's
    // .vscode/settings.json, as a user editing it would) both restart the server.
    await waitForServer(page);
    await runCommand(page, "Torchwise: Restart Server");
    await page.waitForTimeout(500);
    const afterCommand = await waitForServer(page);
    fs.mkdirSync(path.dirname(p.settingsFile), { recursive: true });
    fs.writeFileSync(p.settingsFile, JSON.stringify(p.settings, null, 2));
    // The window must stay open while VS Code notices the file: wait for the restart in the log.
    await until(
      "the extension host log to show a restart for the settings change",
      async () => {
        const text = torchwiseLogs(p.logsDir);
        const after = text.split("Restarting the Torchwise server: settings changed")[1];
        return after !== undefined && after.includes("Torchwise language server started");
      },
      60000,
      500,
    );
    const afterSettings = await waitForServer(page);
    return { afterCommand, afterSettings };
  },

  async runSelection(page, p) {
    // Select whole lines and press Shift+Enter (the keybinding for a selection runs just that code).
    await waitForServer(page);
    await openFile(page, p.file);
    await gotoLine(page, p.line, 1);
    for (let i = 0; i < p.lines; i++) {
      await page.keyboard.press("Shift+ArrowDown");
    }
    await page.keyboard.press("Shift+Enter");
    const frame = webviewFrame(page);
    const run = frame.locator(".run").last();
    await until(`output containing "${p.expect}"`, async () => (await run.locator(".run-body").innerText()).includes(p.expect), 120000, 300);
    await run.locator(".footer").waitFor({ state: "visible", timeout: 60000 });
    return { title: (await run.locator(".run-title").innerText()).trim(), output: (await run.locator(".run-body").innerText()).trim(), footer: (await run.locator(".footer").innerText()).trim() };
  },

  async selectDevice(page, p) {
    // Run a cell (the kernel starts on its default device), pick another device with
    // "Torchwise: Select Device" and run the cell again: the status bar and the kernel's `device`
    // must both follow the pick.
    await waitForServer(page);
    const first = await scenarios.cellRun(page, { ...p, lens: "Run Cell", cellIndex: 0 });
    const before = await until("the status bar to show the kernel's device", async () => {
      const t = await statusText(page);
      return /Torchwise: \S+ · idle/.test(t) ? t : "";
    }, 15000);
    // A click on the status bar item opens the device picker (its command while the kernel is idle).
    await page.locator(".statusbar-item", { hasText: "Torchwise" }).first().click();
    // Our quick pick (titled "Torchwise: Select Device") replaces the command palette.
    const title = page.locator(".quick-input-widget .quick-input-title", { hasText: "Torchwise: Select Device" });
    const rows = page.locator(".quick-input-widget .monaco-list-row");
    await until(
      "the device list",
      async () => (await title.isVisible()) && (await rows.count()) > 0 && /Sets the kernel.s .?device.? variable/.test((await page.locator(".quick-input-widget input").getAttribute("placeholder")) || ""),
      90000,
      500,
    );
    const labels = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    log("devices listed:", JSON.stringify(labels));
    await page.locator(".quick-input-widget input").fill(p.device);
    await page.locator(".quick-input-widget .monaco-list-row.focused", { hasText: p.device }).waitFor({ state: "visible", timeout: 10000 });
    await page.keyboard.press("Enter");
    const after = await until(`the status bar to change from "${before}"`, async () => {
      const t = await statusText(page);
      return t !== before && /· idle$/.test(t) ? t : "";
    }, 30000).catch(async (err) => {
      throw new StepError(`${err.message}; status bar "${await statusText(page)}"; notifications: ${await notificationsText(page)}`);
    });
    // run the same cell again: a second run in the output panel
    const lens = page.locator(".editor-group-container.active .monaco-editor .codelens-decoration a", { hasText: /^Run Cell$/ });
    await page.locator(".editor-group-container.active .monaco-editor textarea").first().focus();
    await lens.first().click();
    const frame = webviewFrame(page);
    await until("a second run with its footer", async () => (await frame.locator(".run .footer").count()) >= 2, 120000, 300);
    const second = frame.locator(".run").last();
    return {
      devices: labels,
      statusBefore: before,
      status: after,
      firstOutput: first.output,
      output: (await second.locator(".run-body").innerText()).trim(),
      footer: (await second.locator(".footer").innerText()).trim(),
    };
  },

  async untrusted(page, p) {
    const status = await waitForServer(page);
    if (!/restricted/.test(status)) {
      throw new StepError(`expected the status bar to say the workspace is restricted, got "${status}"`);
    }
    await openFile(page, p.file);
    // Running is refused...
    await runCommand(page, "Torchwise: Run Cell");
    const toast = await until("a refusal notification", async () => {
      const t = await notificationsText(page);
      return /untrusted/.test(t) ? t : "";
    });
    // ...and nothing ran: no output panel.
    const webviews = await page.locator("iframe.webview").count();
    // Static features keep working: hover.
    let hoverText = "";
    await until(
      "a hover in the untrusted workspace",
      async () => {
        await page.locator(".editor-group-container .monaco-editor textarea").first().focus();
        await gotoLine(page, p.line, p.column);
        await runCommand(page, "Show or Focus Hover");
        const hover = page.locator(".monaco-hover:not(.hidden)").first();
        await hover.waitFor({ state: "visible", timeout: 5000 });
        hoverText = (await hover.innerText()).replace(/\s+/g, " ");
        if (!hoverText.includes(p.expect)) {
          await page.keyboard.press("Escape");
          return false;
        }
        return true;
      },
      60000,
      500,
    );
    return { status, notification: toast, webviews, hover: hoverText.slice(0, 500) };
  },
};

// ---- main ----------------------------------------------------------------------------------------------
async function main() {
  const scenario = scenarios[params.scenario];
  if (!scenario) {
    throw new Error(`unknown scenario ${params.scenario}`);
  }
  fs.mkdirSync(params.artifacts, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  const consoleLines = [];
  page.on("console", (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
  page.on("pageerror", (err) => consoleLines.push(`[pageerror] ${err.message}`));
  const url = `${params.url}/?folder=${encodeURIComponent(params.folder)}`;
  let result;
  try {
    await page.goto(url, { waitUntil: "domcontentloaded", timeout: 60000 });
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 60000 });
    await page.locator(".statusbar").waitFor({ state: "visible", timeout: 60000 });
    result = await scenario(page, params);
    if (params.screenshotOnSuccess) {
      await page.screenshot({ path: path.join(params.artifacts, `${params.scenario}.png`) });
    }
    process.stdout.write(JSON.stringify({ ok: true, ...result }) + "\n");
  } catch (err) {
    const shot = path.join(params.artifacts, `${params.scenario}-failure.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
    const bodyText = await page.locator("body").innerText().catch(() => "");
    fs.writeFileSync(path.join(params.artifacts, `${params.scenario}-page.txt`), bodyText);
    fs.writeFileSync(path.join(params.artifacts, `${params.scenario}-console.txt`), consoleLines.join("\n"));
    process.stdout.write(JSON.stringify({ ok: false, error: String(err && err.message ? err.message : err), screenshot: shot }) + "\n");
    process.exitCode = 1;
  } finally {
    await context.close().catch(() => undefined);
    await browser.close().catch(() => undefined);
  }
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ ok: false, error: String(err && err.stack ? err.stack : err) }) + "\n");
  process.exit(1);
});
