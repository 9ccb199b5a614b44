// The conference page: joins with the token from the address, keeps the room state,
// publishes the camera and microphone, shows what the SFU forwards, and for the moderator
// adds the console. Every refusal, reconnection and ending gets a clear message.

import { onLanguageChange, setLanguage, t, translatePage } from "./i18n.js";
import { LocalMedia, Publisher, Subscriber, measure } from "./media.js";
import { CLOSE_REASONS, MAY_REJOIN, REFUSALS, ROOM_NOTES } from "./messages.js";
import { ParticipantPanel, ROLE } from "./participants.js";
import { appealRows, technicalRows } from "./profile.js";
import { showReceivedVideo } from "./quality.js";
import { DeviceSettings } from "./settings.js";
import { Signaling } from "./signaling.js";
import { RemoteSound } from "./sound.js";
import { Stage } from "./stage.js";
import { RoomState } from "./state.js";

const REPORT_INTERVAL_MS = 2000;
/** How long a media connection may hear nothing at all before we rejoin. Well inside the
 *  server's grace period (30 s), and longer than a short Wi-Fi hiccup. */
const DISCONNECTED_PATIENCE_MS = 4000;
/** Refusals that pass by themselves, after which the page tries again on a new connection
 *  (a balancer may send it to another node): `wrong_node` while the claim of a reception
 *  whose node died has not expired yet, `timeout` from a node that is only starting. */
const PASSING_REFUSALS = new Set(["wrong_node", "timeout"]);
const RETRY_MS = 1000;
/** Close reasons that keep our place: the reception moved to the node the balancer now
 *  picks, and the page connects again at once (no removal shown). */
const RECONNECT_NOW = new Set(["moved"]);
const $ = (id) => document.getElementById(id);

/** The claims of a join token (not verified here: the server does that). */
function claimsOf(token) {
  try {
    const body = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(body), (c) => c.charCodeAt(0)));
    return JSON.parse(json);
  } catch {
    return null;
  }
}

class Conference {
  constructor(token) {
    this.token = token;
    const claims = claimsOf(token);
    this.sessionKey = claims ? `reception.session.${claims.r}.${claims.u}` : null;
    this.state = new RoomState();
    this.local = new LocalMedia();
    this.stage = new Stage($("stage"));
    this.sound = new RemoteSound($("audio-sinks"), $("sound-unlock"));
    this.publisher = null;
    this.subscriber = null;
    this.iceServers = [];
    this.joined = false;
    this.ended = false;
    this.retrying = null;
    /** The governor left (not a reload): citizens are told until they are back. */
    this.hostLeft = false;
    this.myLayout = null;
    this.totals = null;
    // The camera opens while the connection is being made: it is the slowest step of a join.
    this.cameraOpening = claims?.o === "observer" ? null : this.local.open();
    this.signaling = new Signaling(claims?.r);
    this.#wireSignaling();
    showReceivedVideo(this.signaling, this.state);
    this.#wireControls();
    this.state.addEventListener("change", () => this.render());
    onLanguageChange(() => this.render());
    setInterval(() => this.report(), REPORT_INTERVAL_MS);
  }

  // -- joining ---------------------------------------------------------------------------

  #wireSignaling() {
    const s = this.signaling;
    s.on("connect", () => {
      performance.mark("conference:connected");
      this.join();
    });
    s.on("disconnect", (reason) => {
      if (this.ended) return;
      this.#dropMedia();
      if (this.joined) this.notice("Восстановление соединения…");
      if (reason === "io server disconnect") s.socket.connect();
    });
    s.on("participant", (record) => {
      if (record.role === "host") this.hostLeft = false;
      this.state.upsert(record);
      // The SFU reported our media connection failed and dropped it: our socket lives on,
      // so nothing else would bring the media back.
      if (record.id === this.state.me && record.presence === "reconnecting") this.#restart();
    });
    s.on("participant_left", ({ id, reason }) => {
      if (this.state.participants.get(id)?.role === "host") this.hostLeft = reason !== "reception_ended";
      this.state.remove(id);
    });
    s.on("room", (fields) => this.state.applyRoom(fields));
    s.on("subscriber_offer", (offer) => this.subscriber?.answer(offer));
    s.on("reception_state", ({ state }) => {
      if (state === "live" && !this.joined && !this.ended) this.join();
      if (state === "ended" && !this.joined) this.end("reception_ended");
    });
    s.on("closed", ({ reason }) => {
      if (RECONNECT_NOW.has(reason)) this.#reconnectNow();
      else this.end(reason);
    });
    // Refused at connect (too many connections from this address): the server said why,
    // and the socket does not try again by itself.
    s.on("connect_error", (error) => {
      const code = error?.data?.error?.code;
      if (!code) return;
      this.notice(REFUSALS[code] ?? "Не удалось подключиться к приему.");
      document.body.dataset.refusal = code;
    });
  }

  async join() {
    if (this.ended) return;
    const stored = this.sessionKey && sessionStorage.getItem(this.sessionKey);
    let ack = await this.signaling.call("join", {
      token: stored || this.token,
      browser: navigator.userAgent.slice(0, 300),
      device: `${navigator.platform || ""} ${screen.width}×${screen.height}`.trim().slice(0, 300),
    });
    // A stored session token that has expired, or was spent by a join whose answer never
    // came: the page's own token is the one left to try.
    if (!ack.ok && stored && ["token_expired", "token_used"].includes(ack.error.code)) {
      sessionStorage.removeItem(this.sessionKey);
      return this.join();
    }
    if (!ack.ok) {
      this.joined = false;
      this.notice(REFUSALS[ack.error.code] ?? "Не удалось подключиться к приему.");
      document.body.dataset.refusal = ack.error.code;
      if (PASSING_REFUSALS.has(ack.error.code)) this.#retrySoon();
      return;
    }
    performance.mark("conference:joined");
    delete document.body.dataset.refusal;
    if (this.sessionKey) sessionStorage.setItem(this.sessionKey, ack.session_token);
    this.joined = true;
    this.iceServers = ack.ice_servers;
    this.hideNotice();
    // A layout the participant chose before a reload comes back with the snapshot.
    const { layout, default_layout: defaultLayout } = ack.snapshot;
    this.myLayout = layout !== defaultLayout ? layout : this.myLayout;
    this.state.applySnapshot(ack.snapshot);
    document.body.dataset.role = this.state.role;
    $("console").hidden = this.state.role !== "moderator";
    await this.startMedia();
  }

  async startMedia() {
    this.subscriber = new Subscriber(this.signaling, this.iceServers);
    this.subscriber.addEventListener("change", () => this.render());
    this.subscriber.addEventListener("failed", () => this.#restart());
    this.#watch(this.subscriber.pc);
    const starting = [this.subscriber.start()];
    if (this.state.role !== "observer") {
      await this.cameraOpening;
      if (!this.local.stream) await this.local.open();
      if (this.local.stream) {
        $("self-view").srcObject = this.local.stream;
        this.#applySelfMutes();
        this.publisher = new Publisher(this.signaling, this.iceServers);
        this.#watch(this.publisher.pc);
        starting.push(this.publisher.publish(this.local.stream));
      } else {
        this.notice("Нет доступа к камере или микрофону. Вы можете смотреть и слушать прием.");
      }
    }
    try {
      await Promise.all(starting);
      performance.mark("conference:negotiated");
    } catch (error) {
      console.warn("media negotiation failed", error);
    }
    document.body.dataset.ready = "true";
  }

  /** An ICE failure, or a path silent for a few seconds (network change), restarts the
   *  whole join with fresh connections. */
  #watch(pc) {
    let patience = null;
    pc.addEventListener("connectionstatechange", () => {
      clearTimeout(patience);
      if (pc.connectionState === "failed") this.#restart();
      if (pc.connectionState === "disconnected") {
        // A closed connection fires no event: the check keeps a replaced one from acting.
        patience = setTimeout(() => {
          if (pc.connectionState === "disconnected") this.#restart();
        }, DISCONNECTED_PATIENCE_MS);
      }
    });
  }

  #retrySoon() {
    clearTimeout(this.retrying);
    this.retrying = setTimeout(() => {
      if (this.ended || this.joined) return;
      this.signaling.socket.disconnect();
      this.signaling.socket.connect();
    }, RETRY_MS);
  }

  /** The reception moved to another node, which keeps our place: a new connection (the
   *  balancer sends it there) joins with the session token, as after a node restart. */
  #reconnectNow() {
    if (this.ended) return;
    this.#dropMedia();
    this.notice("Восстановление соединения…");
    this.signaling.socket.disconnect();
    this.signaling.socket.connect();
  }

  /** Join again from scratch; the server keeps our place for the grace period. */
  #restart() {
    if (!this.joined) return;
    this.signaling.socket.disconnect();
    this.signaling.socket.connect();
  }

  #dropMedia() {
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = this.subscriber = null;
    this.joined = false;
    document.body.dataset.ready = "false";
  }

  /** The server ended our presence: no automatic rejoin, only the button where allowed.
   *  The camera and microphone are released at once (their light goes off); a rejoin
   *  opens them again. */
  end(reason) {
    if (this.ended && document.body.dataset.closed === reason) return;
    this.ended = true;
    this.#dropMedia();
    this.#releaseDevices();
    this.state.reset();
    $("console").hidden = true; // nothing left to manage; a rejoin shows it again
    this.render();
    const rejoin = MAY_REJOIN.has(reason);
    if (!rejoin) this.signaling.close();
    document.body.dataset.closed = reason;
    this.notice(CLOSE_REASONS[reason] ?? "Соединение потеряно.", { rejoin, wayBack: true });
  }

  #releaseDevices() {
    this.local.stop();
    this.settings.close();
    $("self-view").srcObject = null;
    this.cameraOpening = null;
  }

  // -- controls --------------------------------------------------------------------------

  #wireControls() {
    for (const el of document.querySelectorAll("[data-lang]")) {
      el.addEventListener("click", () => setLanguage(el.dataset.lang));
    }
    $("leave").addEventListener("click", async () => {
      if (this.joined) await this.signaling.call("leave");
      this.end("left");
    });
    $("rejoin").addEventListener("click", () => {
      this.ended = false;
      delete document.body.dataset.closed;
      this.hideNotice();
      if (this.signaling.socket.connected) this.join();
      else this.signaling.socket.connect();
    });
    $("toggle-mic").addEventListener("click", () => this.selfMute("audio"));
    $("toggle-video").addEventListener("click", () => this.selfMute("video"));
    $("toggle-sound").addEventListener("click", (event) => {
      this.sound.enabled = !this.sound.enabled;
      event.currentTarget.setAttribute("aria-pressed", String(this.sound.enabled));
      this.render();
    });
    $("toggle-panel").addEventListener("click", (event) => {
      const shown = document.body.classList.toggle("panel-hidden") === false;
      event.currentTarget.setAttribute("aria-pressed", String(shown));
    });
    $("fullscreen").addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen?.().catch(() => {});
    });
    $("compact").addEventListener("click", (event) => {
      const on = document.body.classList.toggle("compact");
      event.currentTarget.setAttribute("aria-pressed", String(on));
    });
    for (const el of document.querySelectorAll("button.layout")) {
      el.addEventListener("click", async () => {
        this.myLayout = el.dataset.layout;
        this.render();
        await this.signaling.call("choose_layout", { layout: el.dataset.layout });
      });
    }
    this.stage.onRelayout = () => this.render();
    this.#wireConsole();
    this.settings = new DeviceSettings(
      {
        panel: $("settings"),
        camera: $("camera"),
        microphone: $("microphone"),
        speaker: $("speaker"),
        preview: $("settings-preview"),
        meter: $("mic-meter"),
        apply: $("settings-apply"),
      },
      { onApply: (choice) => this.applyDevices(choice), audioContext: this.sound.context },
    );
  }

  async selfMute(kind) {
    const me = this.state.self;
    if (!me) return;
    const muted = !me.self_muted[kind];
    const ack = await this.signaling.call("self_mute", { kind, muted });
    if (ack.ok) this.local.setEnabled(kind, !muted && !me.moderator_muted[kind]);
    else this.notice(ack.error.code === "muted_by_moderator"
      ? (kind === "audio" ? "Звук отключен модератором" : "Видео отключено модератором")
      : "Команда не выполнена", { transient: true });
  }

  #applySelfMutes() {
    const me = this.state.self;
    if (!me) return;
    for (const kind of ["audio", "video"]) {
      this.local.setEnabled(kind, !me.self_muted[kind] && !me.moderator_muted[kind]);
    }
  }

  async applyDevices({ cameraId, microphoneId, speakerId }) {
    const stream = await this.local.open({ cameraId, microphoneId });
    if (stream) {
      $("self-view").srcObject = stream;
      this.#applySelfMutes();
      await this.publisher?.replace(stream);
    }
    if (speakerId !== undefined) await this.sound.setSink(speakerId);
  }

  // -- the moderator console -------------------------------------------------------------

  #wireConsole() {
    this.people = new ParticipantPanel(
      { list: $("participant-list"), filter: $("participant-filter"), menu: $("participant-menu") },
      (action, data, value) => this.#consoleAction(action, data, value),
    );
    $("default-layout").addEventListener("change", (event) =>
      this.command("set_layout", { layout: event.target.value }),
    );
    $("preview-stop").addEventListener("click", async () => {
      this.previewing = null;
      await this.command("preview", { participant_id: null });
      this.render();
    });
    $("end-conference").addEventListener("click", async () => {
      if (!confirm(t("Завершить прием для всех участников?"))) return;
      // Our own `closed {reason: "reception_ended"}` may come (and close the socket) before
      // the acknowledgement: either way the page ends the same.
      const ack = await this.command("end_conference");
      if (ack.ok) this.end("reception_ended");
    });
  }

  /** A command from the participant list or its menu («Управление участниками приема»). */
  async #consoleAction(action, data, value) {
    const id = data.id;
    if (action === "tech_info") return this.showTechInfo(id);
    if (action === "remove_participant" && !confirm(t("Удалить участника без возможности повторного подключения?"))) return;
    const payload = { participant_id: id };
    if (action === "set_floor") {
      payload.on_air = data.onAir === "true";
      const person = this.state.participants.get(id);
      if (payload.on_air && person?.held && !confirm(t("Участник временно отключен и сейчас не видит и не слышит прием. Предоставить ему слово?"))) return;
    }
    if (action === "mute") Object.assign(payload, { kind: data.kind, muted: data.muted === "true" });
    if (action === "hold") payload.held = data.held === "true";
    if (action === "set_mic_level") payload.gain_db = Number(value);
    if (action === "limit_bandwidth") payload.kbps = value ? Number(value) : null;
    if (action === "preview") this.previewing = id;
    await this.command(action, payload);
    if (action === "preview") this.render();
  }

  /** A moderator command; a failure is shown unless the conference ended meanwhile. */
  async command(event, payload) {
    const ack = await this.signaling.call(event, payload);
    if (!ack.ok && !this.ended) this.notice(`${t("Команда не выполнена")}: ${ack.error.message}`, { transient: true });
    return ack;
  }

  /** The profile (name, role, the appeal and its topic) and the technical information. */
  async showTechInfo(id) {
    const ack = await this.command("tech_info", { participant_id: id });
    if (!ack.ok) return;
    const info = ack.info;
    const rows = [
      [t("ФИО"), info.name],
      [t("Роль"), t(ROLE[info.role] ?? info.role)],
      ...(await appealRows(info.appeal_id)),
      ...technicalRows(info),
    ];
    $("tech-list").replaceChildren(
      ...rows.flatMap(([label, value]) => {
        const dt = document.createElement("dt");
        dt.textContent = label;
        const dd = document.createElement("dd");
        if (value instanceof Node) dd.append(value);
        else dd.textContent = value || "—";
        return [dt, dd];
      }),
    );
    $("tech-name").textContent = info.name;
    $("tech-dialog").showModal();
  }

  // -- drawing ---------------------------------------------------------------------------

  render() {
    const state = this.state;
    const me = state.self;
    this.stage.setLayout(this.myLayout ?? state.defaultLayout);
    this.stage.render(state, this.subscriber);
    this.sound.render(state, this.subscriber);
    this.people.render(state, state.role === "moderator");
    for (const el of document.querySelectorAll("button.layout")) {
      el.setAttribute("aria-pressed", String(el.dataset.layout === this.stage.layout));
    }
    $("default-layout").value = state.defaultLayout;
    document.body.dataset.layout = this.stage.layout;
    document.body.dataset.onAir = String(Boolean(me?.on_air));
    document.body.dataset.held = String(Boolean(me?.held));
    const status = $("my-status");
    if (!me) status.textContent = "";
    else if (me.held) status.textContent = t("Модератор временно отключил вас от трансляции. Вы остаетесь в списке участников.");
    else if (me.on_air) status.textContent = t("Вы в эфире: вас видят и слышат все участники.");
    else if (me.checked_by) status.textContent = t("Модератор проверяет ваше видео и звук: вас видит и слышит только модератор.");
    else if (me.role === "citizen") status.textContent = t("Вы слушатель. Модератор предоставит вам слово.");
    else status.textContent = "";
    const notes = [];
    if (me && !state.moderatorPresent) notes.push(ROOM_NOTES.moderator_absent);
    if (me && this.hostLeft) notes.push(ROOM_NOTES.host_left);
    $("room-status").textContent = notes.map((note) => t(note)).join(" ");
    $("room-status").hidden = notes.length === 0;
    for (const kind of ["audio", "video"]) {
      const button = $(kind === "audio" ? "toggle-mic" : "toggle-video");
      const byModerator = Boolean(me?.moderator_muted[kind]);
      button.setAttribute("aria-pressed", String(Boolean(me) && !me.self_muted[kind] && !byModerator));
      button.disabled = byModerator || state.role === "observer";
      button.classList.toggle("by-moderator", byModerator);
    }
    this.#applySelfMutes();
    this.#renderPreview();
  }

  #renderPreview() {
    const box = $("preview-box");
    // The moderator sees whom they check; the citizen being checked sees the moderator.
    const moderator = this.state.role === "moderator";
    const me = this.state.participants.get(this.state.me);
    const id = moderator ? this.previewing : me?.checked_by;
    const person = id ? this.state.participants.get(id) : null;
    $("preview-stop").hidden = !moderator;
    if (!person || person.on_air) {
      box.hidden = true;
      $("preview-video").srcObject = null;
      return;
    }
    box.hidden = false;
    $("preview-name").textContent = person.name;
    const track = this.subscriber?.tracksOf(person.id).find((tr) => tr.kind === "video");
    const video = $("preview-video");
    if (track && video.srcObject?.getVideoTracks()[0] !== track) video.srcObject = new MediaStream([track]);
  }

  /** Show a message; `text` is the Russian original, kept to re-translate on a switch. */
  notice(text, { rejoin = false, transient = false, wayBack = false } = {}) {
    const el = $("notice-text");
    el.dataset.i18n = "";
    el.dataset.i18nSource = text;
    el.textContent = t(text);
    $("rejoin").hidden = !rejoin;
    $("way-back").hidden = !wayBack;
    $("notice").hidden = false;
    $("notice").classList.toggle("transient", transient);
    if (transient) setTimeout(() => this.hideNotice(), 4000);
  }

  hideNotice() {
    $("notice").hidden = true;
    $("way-back").hidden = true;
  }

  // -- measurements ----------------------------------------------------------------------

  async report() {
    if (!this.joined) return;
    const { report, totals } = await measure(this.publisher, this.subscriber, this.totals);
    this.totals = totals;
    await this.signaling.call("report", report);
  }

  /** Per publishing participant: video frames decoded and audio samples received,
   *  read from getStats (used by the browser tests and the latency measurement). */
  async received() {
    const found = {};
    if (!this.subscriber) return found;
    const stats = await this.subscriber.pc.getStats();
    for (const s of stats.values()) {
      if (s.type !== "inbound-rtp") continue;
      const owner = this.subscriber.owners.get(s.mid);
      if (!owner) continue;
      const entry = (found[owner.participant_id] ??= { video: 0, audio: 0 });
      if (s.kind === "video") entry.video += s.framesDecoded ?? 0;
      else entry.audio += s.totalSamplesReceived ?? 0;
    }
    return found;
  }
}

translatePage();
const token = new URLSearchParams(location.hash.slice(1)).get("token");
if (!token) {
  const text = document.getElementById("notice-text");
  text.dataset.i18n = "";
  text.dataset.i18nSource = REFUSALS.invalid_token;
  text.textContent = t(REFUSALS.invalid_token);
  document.getElementById("notice").hidden = false;
} else {
  // Exposed for the browser tests and the join-latency measurement.
  window.conference = new Conference(token);
}
