// «Участники»: one line per person with their state as icons. For the moderator each line
// also has the floor switch («Включить видео и звук») and a menu, the manual's
// «Управление участниками приема», with every other command and «Настройки пользователя»;
// the list can be filtered by state, so fifteen citizens fit a tablet without anyone
// scrolling past other people's controls.

import { currentLanguage, t } from "./i18n.js";

export const ROLE = { host: "Губернатор", moderator: "Модератор", citizen: "Гражданин", observer: "Наблюдатель" };
const QUALITY = {
  good: "Связь: хорошая",
  fair: "Связь: средняя",
  poor: "Связь: плохая",
  unknown: "Связь: нет данных",
};
const BANDWIDTH = [null, 256, 512, 1024];
const ROLE_ORDER = { moderator: 0, host: 1, citizen: 2, observer: 3 };

/** The state filter: who each choice shows. */
export const FILTERS = {
  all: { label: "Все", keep: () => true },
  waiting: { label: "Ожидают слова", keep: (p) => p.role === "citizen" && !p.on_air && !p.held },
  on_air: { label: "В эфире", keep: (p) => p.on_air && !p.held },
  held: { label: "Временно отключены", keep: (p) => p.held },
};
const STATE_ORDER = (p) => (p.on_air && !p.held ? 0 : p.held ? 2 : 1);

/** Whether the participant sends no camera (or no microphone) at all: publishing roles
 *  only, and only once the server knows what they publish. */
export function lacks(p, kind) {
  if (p.role === "observer" || p.presence !== "connected") return false;
  return p.sends ? !p.sends[kind] : p.role === "citizen";
}

const SVG = "http://www.w3.org/2000/svg";
/** Drawn, not typed: a tablet's fonts may lack the symbols. */
const SHAPES = {
  mic: "M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11z",
  camera: "M3 7h12v10H3zM16 10l5-3v10l-5-3z",
  dot: "M12 5a7 7 0 1 1 0 14a7 7 0 0 1 0-14z",
  ring: "M12 5a7 7 0 1 1 0 14a7 7 0 0 1 0-14zm0 3a4 4 0 1 0 0 8a4 4 0 0 0 0-8z",
  pause: "M7 5h4v14H7zM13 5h4v14h-4z",
  wave: "M3 10h3l5-5v14l-5-5H3zM15 8a5 5 0 0 1 0 8l-1-1a3.6 3.6 0 0 0 0-6zM17 5a9 9 0 0 1 0 14l-1-1a7.6 7.6 0 0 0 0-12z",
  retry: "M12 4a8 8 0 1 0 8 8h-2.5A5.5 5.5 0 1 1 12 6.5V10l5-4.5L12 1z",
};

function icon(shape, label, kind, crossed = false) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", `icon icon-${kind}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t(label));
  const title = document.createElementNS(SVG, "title");
  title.textContent = t(label);
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", SHAPES[shape]);
  svg.append(title, path);
  if (crossed) {
    const line = document.createElementNS(SVG, "path");
    line.setAttribute("d", "M3 3L21 21");
    line.setAttribute("class", "cross");
    svg.append(line);
  }
  return svg;
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

/** Icons for everything the moderator must see at a glance, in a fixed order. */
function stateIcons(p, state) {
  const icons = [];
  if (p.held) icons.push(icon("pause", "Временно отключен", "held"));
  else if (p.on_air) icons.push(icon("dot", "В эфире", "on-air"));
  else if (p.role === "citizen") icons.push(icon("ring", "Ожидает", "waiting"));
  if (p.id === state.activeSpeaker) icons.push(icon("wave", "Говорит", "speaking"));
  if (p.presence === "reconnecting") icons.push(icon("retry", "Переподключение…", "reconnecting"));
  if (lacks(p, "video")) icons.push(icon("camera", "Нет камеры", "absent", true));
  if (lacks(p, "audio")) icons.push(icon("mic", "Нет микрофона", "absent", true));
  if (p.moderator_muted.audio) icons.push(icon("mic", "Звук отключен модератором", "muted", true));
  if (p.moderator_muted.video) icons.push(icon("camera", "Видео отключено модератором", "muted", true));
  if (p.self_muted.audio) icons.push(icon("mic", "Микрофон выключен", "self-muted", true));
  if (p.self_muted.video) icons.push(icon("camera", "Камера выключена", "self-muted", true));
  return icons;
}

export class ParticipantPanel {
  /**
   * @param elements {list, filter, menu}: the <ul>, the state filter <select> and the menu
   * @param onAction called with (action, dataset, value) for a moderator's command
   */
  constructor({ list, filter, menu }, onAction) {
    this.list = list;
    this.filterBar = filter;
    this.menu = menu;
    this.onAction = onAction;
    this.filter = "all";
    this.menuFor = null;
    this.menuKey = null;
    this.anchor = null;
    /** id → {li, drawn}: a row is redrawn only when what it shows changed. */
    this.rows = new Map();
    filter.addEventListener("change", () => {
      this.filter = filter.value;
      this.render(this.state, this.moderator);
    });
    for (const root of [list, menu]) {
      root.addEventListener("click", (event) => this.#clicked(event));
      root.addEventListener("change", (event) => {
        const el = event.target;
        if (el.dataset.action) this.onAction(el.dataset.action, el.dataset, el.value);
      });
    }
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.menuFor) this.closeMenu(true);
    });
    document.addEventListener("pointerdown", (event) => {
      if (this.menuFor && !menu.contains(event.target) && !event.target.closest("[data-action=menu]")) {
        this.closeMenu(false);
      }
    });
    window.addEventListener("resize", () => this.#place());
  }

  #clicked(event) {
    const el = event.target.closest("button[data-action]");
    if (!el) return;
    if (el.dataset.action === "menu") {
      if (this.menuFor === el.dataset.id) this.closeMenu(true);
      else this.openMenu(el.dataset.id);
      return;
    }
    // A command from the menu closes it; the level and the limit keep it open.
    if (this.menu.contains(el)) this.closeMenu(true);
    this.onAction(el.dataset.action, el.dataset, null);
  }

  render(state, moderator) {
    this.state = state;
    this.moderator = moderator;
    const everyone = [...state.participants.values()];
    this.filterBar.hidden = !moderator;
    if (moderator) this.#renderFilter(everyone);
    const keep = FILTERS[this.filter]?.keep ?? FILTERS.all.keep;
    const people = everyone
      .filter((p) => p.role !== "citizen" || keep(p))
      .sort(
        (a, b) =>
          ROLE_ORDER[a.role] - ROLE_ORDER[b.role] ||
          STATE_ORDER(a) - STATE_ORDER(b) ||
          a.name.localeCompare(b.name),
      );
    // Only rows whose person changed are redrawn, so a finger or a pointer on someone
    // else's row is not lost to a speaker or a quality change; keyboard focus stays put.
    const focused = this.list.contains(document.activeElement) ? document.activeElement.dataset : null;
    const rows = people.map((p) => this.#row(p, state, moderator));
    const current = [...this.list.children];
    if (rows.length === current.length && rows.every((li, i) => li.dataset.id === current[i].dataset.id)) {
      rows.forEach((li, i) => li !== current[i] && current[i].replaceWith(li));
    } else {
      this.list.replaceChildren(...rows);
    }
    const listed = new Set(people.map((p) => p.id));
    for (const id of this.rows.keys()) if (!listed.has(id)) this.rows.delete(id);
    if (focused?.action && !this.list.contains(document.activeElement)) {
      this.list
        .querySelector(`[data-action="${focused.action}"][data-id="${CSS.escape(focused.id)}"]`)
        ?.focus();
    }
    if (this.menuFor && (!moderator || !state.participants.has(this.menuFor))) this.closeMenu(false);
    else if (this.menuFor) this.#renderMenu();
  }

  #renderFilter(everyone) {
    const citizens = everyone.filter((p) => p.role === "citizen");
    this.filterBar.replaceChildren(
      ...Object.entries(FILTERS).map(([name, { label, keep }]) => {
        const option = document.createElement("option");
        option.value = name;
        option.selected = name === this.filter;
        option.textContent = `${t(label)} (${citizens.filter(keep).length})`;
        return option;
      }),
    );
  }

  #row(p, state, moderator) {
    const drawn = JSON.stringify([
      p,
      p.id === state.me,
      p.id === state.activeSpeaker,
      moderator,
      this.menuFor === p.id,
      currentLanguage(),
    ]);
    const kept = this.rows.get(p.id);
    if (kept?.drawn === drawn) return kept.li;
    const li = this.#item(p, state, moderator);
    this.rows.set(p.id, { li, drawn });
    return li;
  }

  #item(p, state, moderator) {
    const li = document.createElement("li");
    li.className = "participant";
    li.dataset.id = p.id;
    li.dataset.presence = p.presence;
    li.dataset.state = p.held ? "held" : p.on_air ? "on_air" : "waiting";
    const quality = document.createElement("span");
    quality.className = `quality quality-${p.quality}`;
    quality.title = t(QUALITY[p.quality] ?? QUALITY.unknown);
    quality.setAttribute("role", "img");
    quality.setAttribute("aria-label", quality.title);
    const icons = document.createElement("span");
    icons.className = "icons";
    icons.append(...stateIcons(p, state));
    // The name opens the profile and the technical information (seed 002).
    const name = document.createElement(moderator ? "button" : "span");
    name.className = "participant-name";
    name.textContent = `${p.name}${p.id === state.me ? " " + t("(вы)") : ""}`;
    if (moderator) {
      name.type = "button";
      name.dataset.action = "tech_info";
      name.dataset.id = p.id;
      name.title = `${p.name}: ${t("Профиль и техническая информация")}`;
    }
    const role = document.createElement("span");
    role.className = "role";
    role.textContent = p.role === "citizen" ? "" : t(ROLE[p.role] ?? p.role);
    li.append(quality, name, role, icons);
    // The moderator goes on air from their own row like anyone else.
    if (moderator && (p.role === "citizen" || p.role === "moderator")) {
      const label = p.on_air ? "Выключить видео и звук" : "Включить видео и звук";
      const floor = button(p.on_air ? "■" : "▶", "set_floor", p.id, { onAir: String(!p.on_air) });
      floor.classList.add("floor");
      floor.classList.toggle("primary", !p.on_air);
      floor.title = t(label);
      floor.setAttribute("aria-label", `${t(label)}: ${p.name}`);
      li.append(floor);
    }
    if (moderator && p.id !== state.me) {
      const more = button("⋮", "menu", p.id);
      more.classList.add("more");
      more.title = t("Управление участниками приема");
      more.setAttribute("aria-label", `${t("Управление участниками приема")}: ${p.name}`);
      more.setAttribute("aria-haspopup", "menu");
      more.setAttribute("aria-expanded", String(this.menuFor === p.id));
      li.append(more);
    }
    return li;
  }

  openMenu(id) {
    this.menuFor = id;
    this.menuKey = null;
    this.#renderMenu();
    this.menu.hidden = false;
    this.#place();
    this.render(this.state, this.moderator);
    this.menu.querySelector("button, input, select")?.focus();
  }

  closeMenu(refocus) {
    const id = this.menuFor;
    this.menuFor = null;
    this.menu.hidden = true;
    this.menu.replaceChildren();
    if (!id) return;
    const back = this.list.querySelector(`button[data-action=menu][data-id="${CSS.escape(id)}"]`);
    back?.setAttribute("aria-expanded", "false");
    if (refocus) back?.focus();
  }

  /** Under (or, near the bottom of the screen, over) the ⋮ button, inside the viewport. */
  #place() {
    if (!this.menuFor) return;
    const anchor = this.list.querySelector(`button[data-action=menu][data-id="${CSS.escape(this.menuFor)}"]`);
    if (!anchor) return;
    const a = anchor.getBoundingClientRect();
    const m = this.menu.getBoundingClientRect();
    const margin = 6;
    const left = Math.max(margin, Math.min(a.right - m.width, innerWidth - m.width - margin));
    let top = a.bottom + 2;
    if (top + m.height > innerHeight - margin) top = Math.max(margin, a.top - m.height - 2);
    this.menu.style.left = `${left}px`;
    this.menu.style.top = `${top}px`;
  }

  /** Rebuilt only when the person's record changed, so a level being dragged stays put. */
  #renderMenu() {
    const p = this.state.participants.get(this.menuFor);
    if (!p) return;
    const key = JSON.stringify([p, document.documentElement.lang]);
    if (key === this.menuKey) return;
    this.menuKey = key;
    const title = document.createElement("h3");
    title.textContent = `${t("Управление участниками приема")}: ${p.name}`;
    const items = [];
    const publishes = p.role !== "observer";
    const moderated = p.role === "citizen" || p.role === "observer";
    if (publishes && !p.on_air) items.push(button("Проверить", "preview", p.id));
    if (publishes) {
      items.push(
        button(p.moderator_muted.audio ? "Включить звук" : "Отключить звук", "mute", p.id, {
          kind: "audio",
          muted: String(!p.moderator_muted.audio),
        }),
        button(p.moderator_muted.video ? "Включить видео" : "Отключить видео", "mute", p.id, {
          kind: "video",
          muted: String(!p.moderator_muted.video),
        }),
      );
    }
    if (moderated) {
      items.push(
        button(p.held ? "Восстановить" : "Временно отключить", "hold", p.id, { held: String(!p.held) }),
        button("Отключить участника", "disconnect_participant", p.id),
        button("Удалить из конференции", "remove_participant", p.id),
      );
    }
    for (const item of items) item.setAttribute("role", "menuitem");
    const box = [title, ...items];
    if (publishes) box.push(level(p));
    box.push(limit(p));
    this.menu.setAttribute("aria-label", title.textContent);
    this.menu.replaceChildren(...box);
    this.#place();
  }
}

/** «Установить уровень громкости микрофона участника», −20…+20 dB. */
function level(p) {
  const label = document.createElement("label");
  label.className = "level";
  const text = document.createElement("span");
  text.textContent = t("Установить уровень громкости микрофона участника");
  const range = document.createElement("input");
  range.type = "range";
  range.min = "-20";
  range.max = "20";
  range.step = "1";
  range.value = String(p.gain_db);
  range.dataset.action = "set_mic_level";
  range.dataset.id = p.id;
  const value = document.createElement("output");
  value.textContent = `${p.gain_db} ${t("дБ")}`;
  label.append(text, range, value);
  return label;
}

/** «Настройки пользователя»: the participant's bandwidth limit. */
function limit(p) {
  const label = document.createElement("label");
  label.className = "limit";
  const text = document.createElement("span");
  text.textContent = `${t("Настройки пользователя")}: ${t("Ограничение скорости")}`;
  const select = document.createElement("select");
  select.dataset.action = "limit_bandwidth";
  select.dataset.id = p.id;
  for (const kbps of BANDWIDTH) {
    const option = document.createElement("option");
    option.value = kbps === null ? "" : String(kbps);
    option.textContent = kbps === null ? t("Без ограничения") : `${kbps} ${t("кбит/с")}`;
    option.selected = (p.bandwidth_kbps ?? null) === kbps;
    select.append(option);
  }
  label.append(text, select);
  return label;
}
