// The pages as an operator uses them, in headless Debian chromium: log in, drop pictures
// (one of them not a picture), take one out again, submit, watch the batch finish, see
// its previews, retry the failures of a batch, cancel a waiting one. Run by tests/e2e_pages.rs, which starts the
// studio and passes BASE, USERNAME, PASSWORD, FIXTURES (a folder with good.jpg, tall.png,
// broken.jpg, again.jpg) and STORAGE (the studio's storage root).
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");

const { BASE, USERNAME, PASSWORD, FIXTURES, STORAGE } = process.env;
const fixture = (name) => path.join(FIXTURES, name);

async function logIn(page) {
  await page.goto(BASE + "/aigc");
  assert.match(page.url(), /\/login/, "pages without a session go to the login page");
  await page.fill("input[name=username]", USERNAME);
  await page.fill("input[name=password]", "not-the-password");
  await page.click("button[type=submit]");
  assert.match(await page.textContent("p.error"), /用户名或密码/);
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL(/\/aigc$/);
}

async function uploadAndSubmit(page) {
  await page.goto(BASE + "/aigc?tool=resize");
  await page.setInputFiles("#files", [fixture("good.jpg"), fixture("tall.png"), fixture("broken.jpg")]);
  const cards = page.locator("#file-list li");
  await page.waitForFunction(() =>
    [...document.querySelectorAll("#file-list .status")].every((s) => s.textContent !== ""));
  assert.equal(await cards.count(), 3);
  const refused = page.locator("#file-list li.failed");
  assert.equal(await refused.count(), 1, "the broken file is refused on its card");
  assert.match(await refused.textContent(), /broken\.jpg.*不是图片/);
  assert.equal(await page.textContent("#submit"), "开始处理（2 张）");

  await cards.nth(1).locator(".remove").click();
  assert.equal(await cards.count(), 2);
  assert.equal(await page.textContent("#submit"), "开始处理（1 张）");

  await page.selectOption("#preset", "400x400");
  await page.click("#submit");
  await page.waitForURL(/\/aigc\/tasks\?batch_id=/);
}

async function watchTheBatch(page) {
  const rows = page.locator("tr[data-task]");
  assert.equal(await rows.count(), 1, "only the picture left in the batch became a task");
  await page.waitForSelector("tr[data-task][data-status=completed]", { timeout: 30000 });
  const preview = rows.first().locator("td.result img.thumb");
  await preview.waitFor();
  await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await preview.elementHandle());
  assert.match(await preview.getAttribute("src"), /^\/thumbs\/results\//);
  const download = rows.first().locator("a.download");
  assert.match(await download.getAttribute("href"), /^\/api\/tasks\/\d+\/result\?index=0$/);
  assert.match(await page.textContent("section.batch .count"), /^1\/1$/);
}

// The stored upload of `name`, found by its bytes (stored names are random).
function storedUpload(name) {
  const wanted = fs.readFileSync(fixture(name));
  const temp = path.join(STORAGE, "temp");
  const found = fs.readdirSync(temp).map((f) => path.join(temp, f))
    .find((f) => fs.readFileSync(f).equals(wanted));
  assert.ok(found, `upload of ${name} stored`);
  return found;
}

async function retryTheFailures(page) {
  await page.goto(BASE + "/aigc?tool=resize");
  // The last batch's options come back; a size typed by hand selects its preset.
  assert.equal(await page.inputValue("[data-opt=width]"), "400");
  assert.equal(await page.inputValue("#preset"), "400x400");
  await page.fill("[data-opt=width]", "500");
  assert.equal(await page.inputValue("#preset"), "custom");
  await page.fill("[data-opt=width]", "400");
  assert.equal(await page.inputValue("#preset"), "400x400");
  await page.setInputFiles("#files", [fixture("again.jpg")]);
  await page.waitForSelector("#submit:not([disabled])");
  // The upload vanishes before the task runs, so it fails; put back, the batch retries it.
  const stored = storedUpload("again.jpg");
  fs.renameSync(stored, stored + ".away");
  await page.click("#submit");
  await page.waitForURL(/\/aigc\/tasks\?batch_id=/);
  const section = page.locator("section.batch").first();
  await section.locator("tr[data-status=failed]").waitFor({ timeout: 30000 });
  const button = section.locator("button.retry-batch");
  await button.waitFor();
  assert.equal((await button.textContent()).trim(), "重试失败的 1 张");
  assert.match(await section.locator("td.status p.error").textContent(), /\S/, "the reason in words");

  fs.renameSync(stored + ".away", stored);
  await button.click();
  await section.locator("tr[data-status=completed]").waitFor({ timeout: 30000 });
  assert.ok(await button.isHidden(), "nothing left to retry");
  assert.match(await section.locator(".count").textContent(), /^1\/1$/);
}

// Without a DashScope key AI tasks wait in the queue; the operator cancels them.
async function cancelAWaitingBatch(page) {
  await page.goto(BASE + "/aigc?tool=other");
  await page.setInputFiles("#files", [fixture("good.jpg")]);
  await page.fill("[data-opt=prompt]", "把背景换成纯白色");
  await page.waitForSelector("#submit:not([disabled])");
  await page.click("#submit");
  await page.waitForURL(/\/aigc\/tasks\?batch_id=/);
  const section = page.locator("section.batch").first();
  const button = section.locator("button.cancel-batch");
  await button.waitFor();
  assert.equal((await button.textContent()).trim(), "取消排队中的 1 张");
  page.once("dialog", (dialog) => dialog.accept());
  await button.click();
  await section.locator("tr[data-status=failed]").waitFor({ timeout: 10000 });
  assert.match(await section.locator("td.status p.error").textContent(), /已取消/);
  assert.ok(await button.isHidden(), "nothing left to cancel");
}

async function watermarkForm(page) {
  await page.goto(BASE + "/aigc?tool=watermark");
  assert.ok(await page.isVisible("[data-opt=text]"));
  assert.ok(!(await page.isVisible("[data-ref=image]")));
  await page.selectOption("[data-opt=kind]", "image");
  assert.ok(!(await page.isVisible("[data-opt=text]")));
  assert.ok(await page.isVisible("[data-ref=image]"));

  // A text watermark without text: refused, named by the field's label, the field marked.
  await page.selectOption("[data-opt=kind]", "text");
  await page.setInputFiles("#files", [fixture("good.jpg")]);
  await page.waitForSelector("#submit:not([disabled])");
  await page.click("#submit");
  await page.waitForSelector("#form-error:not([hidden])");
  assert.match(await page.textContent("#form-error"), /^水印文字：/);
  assert.ok(await page.locator("[data-opt=text].invalid").count() === 1);
  assert.match(page.url(), /tool=watermark/, "the operator stays on the form");

  // Leaving with an uploaded picture not yet submitted: the browser asks first.
  let asked = null;
  page.once("dialog", (dialog) => { asked = dialog.type(); dialog.dismiss(); });
  await page.goto(BASE + "/aigc/tasks").catch(() => {});
  assert.equal(asked, "beforeunload");
  assert.match(page.url(), /tool=watermark/, "dismissing the question keeps the page");
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await logIn(page);
    await uploadAndSubmit(page);
    await watchTheBatch(page);
    await retryTheFailures(page);
    await cancelAWaitingBatch(page);
    await watermarkForm(page);
    assert.deepEqual(errors, [], "no script error on any page");
    console.log("pages: ok");
  } catch (err) {
    const shot = path.join(FIXTURES, "failure.png");
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.error(`pages: ${err.stack}\nscreenshot: ${shot}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
})();
