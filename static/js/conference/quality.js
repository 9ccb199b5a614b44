// The bandwidth limit's word to the listener: whose video arrives at a lower frame rate and
// whose not at all (the server's `received_video` event), so a reduced or stopped picture
// is never left unexplained.

import { onLanguageChange, t } from "./i18n.js";

const REDUCED = "Видео снижено из-за ограничения скорости";
const OFF = "Видео отключено: недостаточная скорость соединения";
const NOTHING = { reduced: [], off: [] };

/** A small status line just above the toolbar, kept in step with the server. */
export function showReceivedVideo(signaling, state) {
  const box = document.createElement("div");
  box.id = "received-video";
  box.setAttribute("role", "status");
  box.hidden = true;
  Object.assign(box.style, {
    position: "fixed",
    left: "0.75rem",
    zIndex: "4",
    maxWidth: "min(32rem, 80vw)",
    padding: "0.4rem 0.75rem",
    borderRadius: "6px",
    background: "#fff7e0",
    color: "#222",
    fontSize: "0.9rem",
    boxShadow: "0 2px 8px #0006",
    pointerEvents: "none",
  });
  document.body.append(box);
  let current = NOTHING;

  const render = () => {
    // Only people still on air: someone who left the stage no longer needs a word.
    const names = (ids) =>
      ids
        .map((id) => state.participants.get(id))
        .filter((person) => person?.on_air)
        .map((person) => person.name);
    const lines = [
      [OFF, names(current.off)],
      [REDUCED, names(current.reduced)],
    ].filter(([, who]) => who.length > 0);
    box.replaceChildren(
      ...lines.map(([text, who]) => {
        const line = document.createElement("p");
        line.style.margin = "0";
        line.textContent = `${t(text)} — ${who.join(", ")}`;
        return line;
      }),
    );
    box.hidden = lines.length === 0;
    box.style.bottom = `${(document.getElementById("controls")?.offsetHeight ?? 0) + 8}px`;
    box.dataset.reduced = current.reduced.join(" ");
    box.dataset.off = current.off.join(" ");
  };

  signaling.on("received_video", (received) => {
    current = received;
    render();
  });
  // A new connection starts with nothing reduced; the server speaks again if it is.
  signaling.on("disconnect", () => {
    current = NOTHING;
    render();
  });
  state.addEventListener("change", render);
  onLanguageChange(render);
}
