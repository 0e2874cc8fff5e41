// The agent console: log in, take a conversation from the queue, answer with the assistant's
// suggestions, run the next best action, hand back to the assistant.
// Every change sends the session's CSRF token in a header; the session itself is an HttpOnly
// cookie this script never sees. Text from users is always put in the page as text, never HTML.
const $ = (id) => document.getElementById(id);
const REQUEST_TYPES = { account_deletion: "注销账号", info_deletion: "删除个人信息", data_export: "导出个人信息副本", unsubscribe: "退订营销信息" };
const STATUS = { open: "排队中", claimed: "服务中", closed: "已结束" };
const state = { me: null, csrf: "", ticket: null, detail: null, source: null, events: null, seen: new Set() };

class ApiError extends Error {
  constructor(status, body) { super((body.error && body.error.message) || "请求失败"); this.status = status; }
}

async function api(method, path, body) {
  const headers = { "X-CSRF-Token": state.csrf };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                       credentials: "same-origin" });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== "/api/login") { showLogin("登录已过期，请重新登录。"); throw new ApiError(401, data); }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function minutes(seconds) {
  if (seconds === null || seconds === undefined) return "";
  return seconds < 60 ? seconds + " 秒" : Math.round(seconds / 60) + " 分钟";
}

function say(text) { $("status").textContent = text || ""; }

// --- login ----------------------------------------------------------------------------------

function showLogin(message) {
  if (state.events) state.events.close();
  state.events = null;
  $("workspace").hidden = true;
  $("login-view").hidden = false;
  $("login-error").textContent = message || "";
}

function enter(me) {
  state.me = me.agent;
  state.csrf = me.csrf_token;
  $("login-view").hidden = true;
  $("workspace").hidden = false;
  const role = state.me.role === "supervisor" ? "主管" : "客服";
  $("me").textContent = state.me.display_name + "（" + role + "）· 服务应用：" + state.me.apps.join("、");
  listen();
  loadQueue();
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    enter(await api("POST", "/api/login", { login: $("login").value.trim(), password: $("password").value }));
    $("password").value = "";
  } catch (error) {
    $("login-error").textContent = error.message;
  }
});

$("logout").addEventListener("click", async () => {
  await api("POST", "/api/logout", {}).catch(() => {});
  showLogin("已退出登录。");
});

// --- queue ----------------------------------------------------------------------------------

async function loadQueue() {
  const { items } = await api("GET", "/api/queue");
  const waiting = items.filter((t) => t.status === "open").length;
  $("queue-count").textContent = "等待 " + waiting + " · 服务中 " + (items.length - waiting);
  $("queue").replaceChildren(...items.map(queueItem));
}

function queueItem(ticket) {
  const item = el("li", ticket.reason === "incident" ? "incident" : "");
  item.dataset.ticket = ticket.id;
  if (state.ticket === ticket.id) item.classList.add("selected");
  const who = ticket.assigned_agent ? " · " + ticket.assigned_agent.display_name : "";
  const place = ticket.position ? " · 第 " + ticket.position + " 位" : "";
  item.append(el("strong", "", ticket.app + " · " + ticket.reason_label),
              el("div", "meta", STATUS[ticket.status] + place + who + " · 已等待 " + minutes(ticket.waiting_seconds)),
              el("div", "summary", ticket.summary));
  item.addEventListener("click", () => openTicket(ticket.id));
  return item;
}

// --- one conversation -----------------------------------------------------------------------

async function openTicket(id) {
  state.ticket = id;
  state.seen = new Set();
  say("");
  for (const item of $("queue").children) item.classList.toggle("selected", item.dataset.ticket === id);
  const detail = await api("GET", "/api/tickets/" + encodeURIComponent(id));
  state.detail = detail;
  $("no-ticket").hidden = true;
  $("ticket").hidden = false;
  renderTicket(detail);
  $("transcript").replaceChildren();
  for (const turn of detail.history) addTurn(turn.from, turn.text, turn.agent_name);
  if (detail.history.length) addTurn("system", "—— 以下为转人工之后 ——");
  for (const event of detail.events) addEvent(event);
  loadAssist();
}

function renderTicket(detail) {
  const t = detail.ticket;
  $("ticket-title").textContent = t.app + " · " + t.reason_label + "（" + t.id + "）";
  const who = t.assigned_agent ? " · 由 " + t.assigned_agent.display_name + " 服务" : "";
  $("ticket-meta").textContent = STATUS[t.status] + who + " · " + (t.channel === "wechat" ? "微信小程序" : "在线客服") +
    " · 端：" + detail.platform + " · 创建于 " + t.created_at.slice(0, 19).replace("T", " ");
  const mine = t.assigned_agent && t.assigned_agent.id === state.me.id;
  const supervisor = state.me.role === "supervisor";
  $("claim").hidden = t.status !== "open";
  $("handback").hidden = t.status === "closed" || (!mine && !supervisor) || (t.status === "open" && !supervisor);
  $("composer").hidden = !(t.status === "claimed" && (mine || supervisor));
  $("reassign-box").hidden = !supervisor || t.status === "closed";
  if (supervisor && t.status !== "closed") loadColleagues(t.app);
  renderIdentity(detail.identity);
  renderRequests(detail.requests);
}

function renderIdentity(identity) {
  if (!identity) { $("identity").textContent = "匿名用户（未验证身份）"; return; }
  const via = { code: "本会话验证码验证", host_app_token: "应用登录用户（未在本会话验证）", wechat_openid: "微信已绑定账号" }[identity.via] || identity.via;
  const until = identity.verified_until ? "，验证有效至 " + identity.verified_until.slice(11, 16) + " UTC" : "";
  $("identity").textContent = (identity.verified ? "已验证" : "已知用户") + " · " + via + " · 手机 " + (identity.phone || "未绑定") + until;
}

function renderRequests(requests) {
  const rows = requests.map((r) => {
    const row = el("tr");
    row.append(el("td", "", r.id), el("td", "", REQUEST_TYPES[r.type] || r.type),
               el("td", "", r.status_label + (r.overdue ? "（已逾期）" : "") + (r.export_ready ? "（可下载）" : "")),
               el("td", "", r.due_date || "—"));
    return row;
  });
  if (!rows.length) { const row = el("tr"); const cell = el("td", "", "暂无申请"); cell.colSpan = 4; row.append(cell); rows.push(row); }
  $("requests").tBodies[0].replaceChildren(...rows);
}

function addTurn(kind, text, name) {
  const labels = { user: "用户", bot: "智能助手", agent: "人工客服" + (name ? " " + name : ""), system: "" };
  const item = el("li", kind);
  if (labels[kind]) item.append(el("span", "who", labels[kind]));
  item.append(document.createTextNode(text));
  $("transcript").append(item);
  item.scrollIntoView({ block: "end" });
}

function addEvent(event) {
  if (state.seen.has(event.id)) return;
  state.seen.add(event.id);
  const name = event.agent_name || "";
  const lines = {
    created: () => addTurn("system", "转人工：" + ((event.details || {}).reason || "")),
    user_message: () => addTurn("user", event.text),
    agent_message: () => addTurn("agent", event.text, name),
    claimed: () => addTurn("system", name + " 接入了会话"),
    reassigned: () => addTurn("system", "会话已改派给 " + name),
    action: () => addTurn("system", name + " 办理：" + actionLabel(event.details || {})),
    closed: () => addTurn("system", "已转回智能助手"),
  };
  (lines[event.kind] || (() => {}))();
}

function actionLabel(details) {
  if (details.action === "filed_request") return "提交" + (REQUEST_TYPES[details.type] || "") + "申请 " + details.request_id;
  if (details.action === "cancelled_request") return "撤回申请 " + details.request_id;
  return details.action || "";
}

async function loadColleagues(app) {
  const { items } = await api("GET", "/api/agents?app=" + encodeURIComponent(app));
  $("reassign-to").replaceChildren(...items.filter((a) => a.id !== state.me.id).map((a) => new Option(a.display_name, a.id)));
}

async function act(path, body) {
  say("");
  try {
    const result = await api("POST", "/api/tickets/" + encodeURIComponent(state.ticket) + path, body || {});
    return result;
  } catch (error) {
    if (error.status !== 401) say(error.message);
    return null;
  }
}

$("claim").addEventListener("click", async () => { if (await act("/claim")) { await openTicket(state.ticket); loadQueue(); } });
$("reassign").addEventListener("click", async () => {
  if (await act("/reassign", { agent_id: $("reassign-to").value })) { await openTicket(state.ticket); loadQueue(); }
});
$("handback").addEventListener("click", async () => { if (await act("/handback")) { await openTicket(state.ticket); loadQueue(); } });

// --- replying: suggestions as is, edited, or the agent's own words ---------------------------

function useSuggestion(suggestion, intent) {
  state.source = { text: suggestion.text, intent: intent, suggestion_intent: suggestion.intent };
  $("reply").value = suggestion.text;
  $("reply-source").textContent = "基于建议回复（" + suggestion.intent + "）编辑";
  $("reply").focus();
}

async function sendReply(text, usage, intent, suggestionIntent) {
  const result = await act("/messages", { text, usage, intent, suggestion_intent: suggestionIntent });
  if (!result) return;
  addEvent(result.event);
  $("reply").value = "";
  $("reply-source").textContent = "";
  state.source = null;
  if (result.delivery && result.delivery.sent === false) say("消息已记录，但未能发送到微信，请稍后重试。");
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("reply").value.trim();
  if (!text) return;
  const source = state.source;
  const intent = state.assist ? state.assist.intent.name : null;
  if (source && text === source.text.trim()) sendReply(text, "as_is", intent, source.suggestion_intent);
  else if (source) sendReply(text, "edited", intent, source.suggestion_intent);
  else sendReply(text, "own", intent, null);
});

async function loadAssist(eventId) {
  if (!state.ticket) return;
  const query = eventId ? "?event=" + eventId : "";
  try {
    state.assist = await api("GET", "/api/tickets/" + encodeURIComponent(state.ticket) + "/assist" + query);
  } catch (error) {
    state.assist = null;
    $("assist-message").textContent = error.status === 404 ? "暂无用户消息。" : error.message;
    $("assist-intent").textContent = "";
    $("suggestions").replaceChildren();
    $("next-action").replaceChildren();
    return;
  }
  renderAssist(state.assist);
}

function renderAssist(assist) {
  const replying = !$("composer").hidden;
  $("assist-message").textContent = "用户：" + assist.text;
  $("assist-intent").textContent = "意图：" + assist.intent.name + " · 置信度 " + Math.round(assist.intent.confidence * 100) + "%";
  $("suggestions").replaceChildren(...assist.suggestions.map((s, index) => {
    const item = el("li");
    item.append(el("div", "intent", "建议 " + (index + 1) + " · " + s.intent), el("div", "text", s.text));
    if (s.sections.length) item.append(el("div", "clause", "依据条款：" + s.sections.join("；")));
    if (s.steps.length) {
      const steps = el("ol", "steps");
      steps.append(...s.steps.map((step) => el("li", "", step)));
      item.append(el("div", "clause", "设置路径（" + assist.platform + "）："), steps);
    }
    const buttons = el("div", "buttons");
    const send = el("button", "primary send-suggestion", "直接发送");
    send.type = "button";
    send.disabled = !replying;
    send.addEventListener("click", () => sendReply(s.text, "as_is", assist.intent.name, s.intent));
    const edit = el("button", "edit-suggestion", "编辑");
    edit.type = "button";
    edit.disabled = !replying;
    edit.addEventListener("click", () => useSuggestion(s, assist.intent.name));
    buttons.append(send, edit);
    item.append(buttons);
    return item;
  }));
  renderNextAction(assist.next_action, replying);
}

function renderNextAction(action, replying) {
  const box = $("next-action");
  box.replaceChildren();
  if (!action) return;
  const button = el("button", "primary", action.label);
  button.type = "button";
  button.id = "run-next-action";
  button.disabled = !action.available || !replying;
  button.addEventListener("click", async () => {
    const body = { type: action.type, request_type: action.request_type, categories: action.categories,
                   channels: action.channels, request_id: action.request_id };
    const result = await act("/actions", body);
    if (!result) return;
    if (result.request) say("已办理：" + result.request.id + "（" + result.request.status_label + "）");
    const detail = await api("GET", "/api/tickets/" + encodeURIComponent(state.ticket));
    renderRequests(detail.requests);
  });
  box.append(el("div", "", "下一步建议："), button);
  if (action.reason) box.append(el("div", "reason", action.reason));
}

// --- live updates ---------------------------------------------------------------------------

function listen() {
  if (state.events) state.events.close();
  state.events = new EventSource("/api/events");  // reconnects by itself, with Last-Event-ID
  for (const kind of ["created", "user_message", "agent_message", "claimed", "reassigned", "action", "closed"]) {
    state.events.addEventListener(kind, (message) => onEvent(JSON.parse(message.data)));
  }
}

function onEvent(event) {
  if (["created", "claimed", "reassigned", "closed"].includes(event.kind)) loadQueue();
  if (event.ticket !== state.ticket) return;
  addEvent(event);
  if (event.kind === "user_message") loadAssist(event.id);
  if (["claimed", "reassigned", "closed"].includes(event.kind)) {
    api("GET", "/api/tickets/" + encodeURIComponent(state.ticket)).then((detail) => { state.detail = detail; renderTicket(detail); loadAssist(); });
  }
}

// --- report ---------------------------------------------------------------------------------

$("show-report").addEventListener("click", async () => {
  const report = await api("GET", "/api/reports/assist");
  const percent = (rate) => (rate === null ? "—" : Math.round(rate * 100) + "%");
  const rows = report.items.concat([{ ...report.total, app: "合计", intent: "" }]).map((r) => {
    const row = el("tr");
    row.append(...[r.app, r.intent, r.replies, r.as_is, r.edited, r.own, percent(r.acceptance_rate)].map((v) => el("td", "", String(v))));
    return row;
  });
  $("report-table").tBodies[0].replaceChildren(...rows);
  $("report").hidden = false;
});
$("close-report").addEventListener("click", () => { $("report").hidden = true; });

api("GET", "/api/me").then(enter).catch(() => showLogin(""));
