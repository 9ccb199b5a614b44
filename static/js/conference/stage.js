// The stage: on-air participants drawn in one of the four layouts of SPEC §5. Someone
// without a picture (no camera, camera off or muted) is a card with their name, never an
// empty grey tile; the grid picks the columns that give the pictures the most room.

import { t } from "./i18n.js";
import { lacks } from "./participants.js";

/** The cameras' shape (640×480, SPEC §5) until a picture says otherwise. */
const VIDEO_ASPECT = 4 / 3;

/** Columns and rows for `count` tiles of `aspect` on a `width`×`height` stage, the largest
 *  picture first: three speakers on a wide stage make one row, not three tall columns. */
export function gridShape(count, width, height, aspect = VIDEO_ASPECT) {
  let best = { columns: 1, rows: 1, area: 0 };
  for (let columns = 1; columns <= Math.max(1, count); columns += 1) {
    const rows = Math.ceil(count / columns);
    const cellWidth = width / columns;
    const cellHeight = height / rows;
    const pictureWidth = Math.min(cellWidth, cellHeight * aspect);
    const area = pictureWidth * (pictureWidth / aspect);
    if (area > best.area + 1) best = { columns, rows, area };
  }
  return best;
}

function initials(name) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => word[0].toUpperCase())
    .join("");
}

/** Why there is no picture, in the viewer's words; null when there is one. */
function noPicture(person) {
  if (person.moderator_muted.video) return "Видео отключено модератором";
  if (person.self_muted.video) return "Камера выключена";
  if (lacks(person, "video")) return "Нет камеры";
  return null;
}

export const LAYOUTS = ["tribune_auto", "single_speaker", "tribune_click", "grid"];

export class Stage {
  constructor(root) {
    this.root = root;
    this.tiles = new Map(); // participant id -> tile element
    this.layout = "tribune_auto";
    this.clicked = null; // «Трибуна (выбор по клику)»: who the viewer chose
    // The grid's shape follows the stage's size (a rotated tablet, the panel hidden).
    new ResizeObserver(() => this.onRelayout?.()).observe(root);
    root.addEventListener("click", (event) => {
      const tile = event.target.closest(".tile");
      if (tile && this.layout === "tribune_click") {
        this.clicked = tile.dataset.id;
        this.onRelayout?.();
      }
    });
  }

  setLayout(layout) {
    this.layout = LAYOUTS.includes(layout) ? layout : "tribune_auto";
    for (const name of LAYOUTS) this.root.classList.toggle(`layout-${name}`, name === this.layout);
  }

  /** Redraw from the room state and the tracks the subscriber has. */
  render(state, subscriber) {
    const people = state.onAir.filter((p) => p.id !== state.me);
    const ids = new Set(people.map((p) => p.id));
    for (const [id, tile] of this.tiles) {
      if (!ids.has(id)) {
        tile.remove();
        this.tiles.delete(id);
      }
    }
    const main = this.#mainSpeaker(people, state);
    for (const person of people) {
      const tile = this.tiles.get(person.id) ?? this.#tile(person.id);
      tile.querySelector(".tile-name").textContent = person.name;
      tile.classList.toggle("main", person.id === main);
      tile.classList.toggle("speaking", person.id === state.activeSpeaker);
      tile.classList.toggle("hidden-by-layout", this.layout === "single_speaker" && person.id !== main);
      const video = tile.querySelector("video");
      const track = subscriber?.tracksOf(person.id).find((tr) => tr.kind === "video") ?? null;
      const current = video.srcObject?.getVideoTracks()[0] ?? null;
      if (track !== current) video.srcObject = track ? new MediaStream([track]) : null;
      const why = noPicture(person);
      tile.classList.toggle("no-video", why !== null);
      tile.querySelector(".tile-initials").textContent = initials(person.name);
      tile.querySelector(".tile-why").textContent = why ? t(why) : "";
    }
    const shown = people.filter((p) => this.layout !== "single_speaker" || p.id === main).length;
    // One speaker fills the stage in every layout (no empty row under the tribune).
    this.root.classList.toggle("solo", shown === 1);
    this.#fitGrid(shown);
    // The main tile first, so the tribune layouts can size it by position.
    const ordered = [...this.tiles.values()].sort(
      (a, b) => Number(b.classList.contains("main")) - Number(a.classList.contains("main")),
    );
    for (const tile of ordered) this.root.appendChild(tile);
    this.root.querySelector(".stage-empty").hidden = people.length > 0;
    this.root.querySelector(".stage-empty").textContent = t("Никто не в эфире");
  }

  #fitGrid(count) {
    if (this.layout !== "grid" || count === 0) return;
    const { columns, rows } = gridShape(count, this.root.clientWidth, this.root.clientHeight);
    this.root.style.setProperty("--columns", String(columns));
    this.root.style.setProperty("--rows", String(rows));
  }

  #mainSpeaker(people, state) {
    const ids = people.map((p) => p.id);
    if (this.layout === "tribune_click" && ids.includes(this.clicked)) return this.clicked;
    if (ids.includes(state.activeSpeaker)) return state.activeSpeaker;
    const host = people.find((p) => p.role === "host");
    return host?.id ?? ids[0] ?? null;
  }

  #tile(id) {
    const tile = document.createElement("figure");
    tile.className = "tile";
    tile.dataset.id = id;
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true; // sound plays through RemoteSound, at the moderator's level
    const caption = document.createElement("figcaption");
    caption.className = "tile-name";
    const card = document.createElement("div");
    card.className = "tile-card";
    const letters = document.createElement("span");
    letters.className = "tile-initials";
    letters.setAttribute("aria-hidden", "true");
    const why = document.createElement("span");
    why.className = "tile-why";
    card.append(letters, why);
    tile.append(video, card, caption);
    this.tiles.set(id, tile);
    return tile;
  }
}
