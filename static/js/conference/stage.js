// The stage: on-air participants drawn in one of the four layouts of SPEC §5.

import { t } from "./i18n.js";

export const LAYOUTS = ["tribune_auto", "single_speaker", "tribune_click", "grid"];

export class Stage {
  constructor(root) {
    this.root = root;
    this.tiles = new Map(); // participant id -> tile element
    this.layout = "tribune_auto";
    this.clicked = null; // «Трибуна (выбор по клику)»: who the viewer chose
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
      tile.classList.toggle("video-muted", person.moderator_muted.video || person.self_muted.video);
      const video = tile.querySelector("video");
      const track = subscriber?.tracksOf(person.id).find((tr) => tr.kind === "video") ?? null;
      const current = video.srcObject?.getVideoTracks()[0] ?? null;
      if (track !== current) video.srcObject = track ? new MediaStream([track]) : null;
    }
    // The main tile first, so the tribune layouts can size it by position.
    const ordered = [...this.tiles.values()].sort(
      (a, b) => Number(b.classList.contains("main")) - Number(a.classList.contains("main")),
    );
    for (const tile of ordered) this.root.appendChild(tile);
    this.root.querySelector(".stage-empty").hidden = people.length > 0;
    this.root.querySelector(".stage-empty").textContent = t("Никто не в эфире");
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
    tile.append(video, caption);
    this.tiles.set(id, tile);
    return tile;
  }
}
