// The WeChat simulator page: chat as a mini-program user; replies arrive through custom/send.
const $ = (id) => document.getElementById(id);
let apps = [], current = null, lastSeq = 0, generation = 0;

async function loadApps() {
  apps = await (await fetch("/sim/apps")).json();
  $("app").innerHTML = apps.map((a) => `<option value="${a.app}">${a.name}（${a.app}）</option>`).join("");
  selectApp();
}

function selectApp() {
  const app = apps.find((a) => a.app === $("app").value);
  $("user").innerHTML = app.users.map((u) => `<option value="${u.openid}">${u.name}</option>`).join("");
  $("mode").textContent = `${{plaintext: "明文模式", compatible: "兼容模式", safe: "安全模式"}[app.mode]} · ${app.format.toUpperCase()}`;
  selectUser();
}

function selectUser() {
  current = { app: $("app").value, openid: $("user").value };
  lastSeq = 0;
  $("log").innerHTML = "";
  $("typing").hidden = true;
  poll(++generation);
}

function render(entry) {
  if (entry.kind === "typing") { $("typing").hidden = false; return; }
  const item = document.createElement("li");
  item.className = entry.kind;
  const labels = { image: "[图片]", voice: "[语音]", video: "[视频]", location: "[位置]", miniprogrampage: "[小程序卡片]", enter: "（进入客服会话）" };
  item.textContent = entry.kind === "user" && entry.type !== "text" ? labels[entry.type] || entry.type : entry.text;
  if (entry.kind === "bot") {
    $("typing").hidden = true;
    if (entry.latency_ms !== undefined) item.insertAdjacentHTML("beforeend", `<span class="meta">${Math.round(entry.latency_ms)} ms</span>`);
  }
  if (entry.kind === "user" && entry.type === "enter") item.className = "system";
  $("log").appendChild(item);
  item.scrollIntoView({ block: "end" });
}

async function poll(mine) {
  while (mine === generation) {
    try {
      const { app, openid } = current;
      const data = await (await fetch(`/sim/apps/${app}/users/${openid}/log?after=${lastSeq}&wait=25`)).json();
      if (mine !== generation) return;
      for (const entry of data.entries) { render(entry); lastSeq = entry.seq; }
    } catch (error) {
      $("status").textContent = "与模拟器的连接中断，正在重试…";
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function userSends(body) {
  const { app, openid } = current;
  const response = await fetch(`/sim/apps/${app}/users/${openid}/messages`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const result = await response.json();
  const last = result.attempts[result.attempts.length - 1];
  const names = { acknowledged: "已确认（success）", transferred: "已转人工客服", rejected: "被拒绝", timeout: "超时", unreachable: "无法连接", server_error: "服务器错误", bad_reply: "回包不合规" };
  $("status").textContent = `推送 ${result.attempts.length} 次：${names[result.outcome] || result.outcome}` + (last ? `，${Math.round(last.ms)} ms` : "");
}

$("app").addEventListener("change", selectApp);
$("user").addEventListener("change", selectUser);
$("enter").addEventListener("click", () => userSends({ type: "enter" }));
$("image").addEventListener("click", () => userSends({ type: "image" }));
$("card").addEventListener("click", () => userSends({ type: "miniprogrampage" }));
$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("message").value.trim();
  if (!text) return;
  $("message").value = "";
  userSends({ type: "text", text });
});
loadApps();
