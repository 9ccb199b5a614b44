// «Участники»: everyone with their state; for the moderator, the controls of SPEC §5
// one click away beside each name.

import { t } from "./i18n.js";

const ROLE = { host: "Ведущий", moderator: "Модератор", citizen: "Гражданин", observer: "Наблюдатель" };
const QUALITY = {
  good: "Связь: хорошая",
  fair: "Связь: средняя",
  poor: "Связь: плохая",
  unknown: "Связь: нет данных",
};
const BANDWIDTH = [null, 256, 512, 1024];

function badge(text, kind) {
  const span = document.createElement("span");
  span.className = `badge badge-${kind}`;
  span.textContent = t(text);
  return span;
}

function button(label, action, id, extra = {}) {
  const el = document.createElement("button");
  el.type = "button";
  el.textContent = t(label);
  el.dataset.action = action;
  el.dataset.id = id;
  Object.assign(el.dataset, extra);
  return el;
}

export function renderParticipants(list, state, { moderator }) {
  const people = [...state.participants.values()].sort((a, b) => {
    const order = { moderator: 0, host: 1, citizen: 2, observer: 3 };
    return order[a.role] - order[b.role] || a.name.localeCompare(b.name);
  });
  list.replaceChildren(...people.map((p) => item(p, state, moderator)));
}

function item(p, state, moderator) {
  const li = document.createElement("li");
  li.className = "participant";
  li.dataset.id = p.id;
  li.dataset.presence = p.presence;
  const name = document.createElement(moderator ? "button" : "span");
  name.className = "participant-name";
  name.textContent = `${p.name}${p.id === state.me ? " " + t("(вы)") : ""}`;
  if (moderator) {
    name.type = "button";
    name.dataset.action = "tech_info";
    name.dataset.id = p.id;
  }
  const quality = document.createElement("span");
  quality.className = `quality quality-${p.quality}`;
  quality.title = t(QUALITY[p.quality] ?? QUALITY.unknown);
  quality.setAttribute("aria-label", quality.title);
  const badges = document.createElement("span");
  badges.className = "badges";
  badges.append(badge(ROLE[p.role] ?? p.role, "role"));
  badges.append(p.on_air ? badge("В эфире", "on-air") : badge("Слушатель", "listener"));
  if (p.id === state.activeSpeaker) badges.append(badge("Говорит", "speaking"));
  if (p.presence === "reconnecting") badges.append(badge("Переподключение…", "reconnecting"));
  if (p.moderator_muted.audio) badges.append(badge("Звук отключен модератором", "muted"));
  if (p.moderator_muted.video) badges.append(badge("Видео отключено модератором", "muted"));
  if (p.self_muted.audio) badges.append(badge("Микрофон выключен", "self-muted"));
  if (p.self_muted.video) badges.append(badge("Камера выключена", "self-muted"));
  if (p.held) badges.append(badge("Временно отключен", "held"));
  li.append(quality, name, badges);
  if (moderator && p.id !== state.me) li.append(controls(p, state));
  return li;
}

function controls(p, state) {
  const box = document.createElement("div");
  box.className = "controls-row";
  const publishes = p.role !== "observer";
  const moderated = p.role === "citizen" || p.role === "observer";
  if (p.role === "citizen" || p.role === "moderator") {
    const floor = button(p.on_air ? "Выключить видео и звук" : "Включить видео и звук", "set_floor", p.id);
    floor.dataset.onAir = String(!p.on_air);
    floor.classList.add("primary");
    box.append(floor);
  }
  if (publishes) {
    box.append(
      button(p.moderator_muted.audio ? "Включить звук" : "Отключить звук", "mute", p.id, {
        kind: "audio",
        muted: String(!p.moderator_muted.audio),
      }),
      button(p.moderator_muted.video ? "Включить видео" : "Отключить видео", "mute", p.id, {
        kind: "video",
        muted: String(!p.moderator_muted.video),
      }),
    );
    if (!p.on_air) box.append(button("Проверить", "preview", p.id));
  }
  if (moderated) {
    box.append(
      button(p.held ? "Восстановить" : "Временно отключить", "hold", p.id, { held: String(!p.held) }),
      button("Отключить участника", "disconnect_participant", p.id),
      button("Удалить из конференции", "remove_participant", p.id),
    );
  }
  if (publishes) {
    const level = document.createElement("label");
    level.className = "level";
    level.title = t("Установить уровень громкости микрофона участника");
    const range = document.createElement("input");
    range.type = "range";
    range.min = "-20";
    range.max = "20";
    range.step = "1";
    range.value = String(p.gain_db);
    range.dataset.action = "set_mic_level";
    range.dataset.id = p.id;
    range.setAttribute("aria-label", level.title);
    const value = document.createElement("output");
    value.textContent = `${p.gain_db} dB`;
    level.append(t("Громкость"), range, value);
    box.append(level);
  }
  const limit = document.createElement("select");
  limit.dataset.action = "limit_bandwidth";
  limit.dataset.id = p.id;
  limit.title = t("Настройки пользователя");
  limit.setAttribute("aria-label", `${t("Настройки пользователя")}: ${t("Ограничение скорости")}`);
  for (const kbps of BANDWIDTH) {
    const option = document.createElement("option");
    option.value = kbps === null ? "" : String(kbps);
    option.textContent = kbps === null ? t("Без ограничения") : `${kbps} kbit/s`;
    option.selected = (p.bandwidth_kbps ?? null) === kbps;
    limit.append(option);
  }
  box.append(limit);
  return box;
}
