// The local chat page: pick an app, a demo user (or stay anonymous) and a platform, then chat.
// Every request goes to the page's own server, which forwards it to Rasa and the backend.
// A conversation is started by the server, which returns its id and the token that proves it.
const $ = (id) => document.getElementById(id);
let conversation = null;
let agentEvents = null;  // the server-sent stream while a human agent has the conversation

async function startConversation() {
  const response = await fetch("/api/conversations", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ app: $("app").value }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.message || "无法开始会话");
  return body;
}

function append(kind, text) {
  const item = document.createElement("li");
  item.className = kind;
  const bubble = document.createElement("div");
  bubble.textContent = text;
  item.appendChild(bubble);
  $("log").appendChild(item);
  item.scrollIntoView({ block: "end" });
}

function showButtons(buttons) {
  const box = $("buttons");
  box.replaceChildren();
  for (const button of buttons || []) {
    const element = document.createElement("button");
    element.type = "button";
    element.textContent = button.title;
    element.addEventListener("click", () => send(button.title, button.payload));
    box.appendChild(element);
  }
}

function metadata() {
  const option = $("user").selectedOptions[0];
  const data = { app: $("app").value, platform: $("platform").value };
  if (option && option.dataset.token) data.user_token = option.dataset.token;
  return data;
}

async function send(text, payload) {
  append("user", text);
  showButtons([]);
  $("status").textContent = "";
  $("send").disabled = true;
  try {
    if (!conversation) conversation = await startConversation();
    const response = await fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        sender: conversation.sender, conversation_token: conversation.conversation_token,
        message: payload || text, metadata: metadata(),
      }),
    });
    const body = await response.json();
    if (!response.ok) {
      if (body.error === "invalid_conversation") conversation = null;  // expired: the next send starts anew
      $("status").textContent = body.message || "发送失败，请稍后再试。";
      return;
    }
    for (const message of body) {
      if (message.text) append("bot", message.text);
      if (message.buttons) showButtons(message.buttons);
      if (handedOver(message)) listenForAgent();
    }
  } catch (error) {
    $("status").textContent = "网络异常，请检查本地服务是否在运行。";
  } finally {
    $("send").disabled = false;
    $("message").focus();
  }
}

function handedOver(message) {
  const custom = message.custom || {};
  return Boolean(custom.handoff) || custom.status === "waiting_for_agent" || custom.status === "with_agent";
}

// The agent's messages arrive by server push; EventSource reconnects by itself and sends
// Last-Event-ID, so nothing is lost or shown twice across a dropped connection.
function listenForAgent() {
  if (agentEvents || !conversation) return;
  const query = new URLSearchParams({
    sender: conversation.sender, app: conversation.app, conversation_token: conversation.conversation_token,
  });
  agentEvents = new EventSource("/api/events?" + query.toString());
  agentEvents.addEventListener("claimed", (event) => {
    const data = JSON.parse(event.data);
    append("system", "人工客服" + (data.agent_name || "") + "已接入，正在为您服务。");
  });
  agentEvents.addEventListener("agent_message", (event) => {
    const data = JSON.parse(event.data);
    append("bot agent", "【人工客服" + (data.agent_name || "") + "】" + data.text);
  });
  agentEvents.addEventListener("closed", () => {
    append("system", "人工客服已结束服务，智能助手将继续为您解答。");
    stopListeningForAgent();
  });
}

function stopListeningForAgent() {
  if (agentEvents) agentEvents.close();
  agentEvents = null;
}

async function loadApps() {
  const apps = await (await fetch("/api/apps")).json();
  $("app").replaceChildren(...apps.map((app) => new Option(app.name + "（" + app.id + "）", app.id)));
  await loadUsers();
}

let usersRequest = 0;

async function loadUsers() {
  // only the newest request may fill the list (the app can change while one is in flight)
  const request = ++usersRequest;
  const options = [new Option("匿名用户", "")];
  const response = await fetch("/api/demo-users?app=" + encodeURIComponent($("app").value));
  if (response.ok) {
    for (const user of await response.json()) {
      const option = new Option(user.display_name + "（" + user.masked_phone + "）", user.user_id);
      option.dataset.token = user.token;
      options.push(option);
    }
  }
  if (request === usersRequest) $("user").replaceChildren(...options);
}

function restart() {
  stopListeningForAgent();
  conversation = null;
  $("log").replaceChildren();
  showButtons([]);
  append("system", "新会话已开始：" + $("app").selectedOptions[0].text);
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("message").value.trim();
  if (!text) return;
  $("message").value = "";
  send(text);
});
$("app").addEventListener("change", async () => { await loadUsers(); restart(); });
$("user").addEventListener("change", restart);
$("platform").addEventListener("change", restart);
$("restart").addEventListener("click", restart);
loadApps().then(restart);
