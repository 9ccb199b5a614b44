// Remote sound through WebAudio. The moderator's microphone level (−20…+20 dB) is applied
// here, on every receiver, because the SFU forwards Opus untouched; an <audio> element's
// volume stops at 1, so only a GainNode can also raise a quiet speaker.
//
// Graph: per remote audio track MediaStreamAudioSourceNode → GainNode (the speaker's level)
// → master GainNode («Звук» on/off) → destination.

/** A level change glides with this time constant instead of clicking. */
const GAIN_GLIDE_S = 0.02;
/** Gestures that let a suspended AudioContext start (browsers' autoplay policy). */
const GESTURES = ["pointerdown", "keydown", "touchend"];

/** Whether the speaker choice («Динамики») can apply: WebAudio output device selection. */
export const SPEAKER_CHOICE = typeof AudioContext !== "undefined" && "setSinkId" in AudioContext.prototype;

export function linearGain(db) {
  return 10 ** (db / 20);
}

export class RemoteSound {
  /**
   * @param root a hidden container for the muted <audio> elements
   * @param unlock the button shown while the browser keeps sound blocked until a gesture
   */
  constructor(root, unlock) {
    this.root = root;
    this.unlock = unlock;
    this.context = new AudioContext();
    this.master = new GainNode(this.context);
    this.master.connect(this.context.destination);
    this.routes = new Map(); // track id -> {participantId, element, source, gain, level}
    this.enabled = true;
    this.masterLevel = 1;
    this.context.addEventListener("statechange", () => this.#showUnlock());
    // Kept for the page's lifetime: Safari may suspend ("interrupt") a running context
    // again, after a phone call for instance, and only a new gesture resumes it.
    for (const type of GESTURES) {
      window.addEventListener(type, () => this.resume(), { capture: true, passive: true });
    }
  }

  resume() {
    if (this.context.state !== "running") this.context.resume().catch(() => {});
  }

  /** Follow the subscriber's audio tracks and each speaker's level from the room state. */
  render(state, subscriber) {
    const wanted = new Map();
    for (const [mid, owner] of subscriber?.owners ?? []) {
      const track = subscriber.tracks.get(mid);
      if (track && owner.kind === "audio") wanted.set(track.id, { track, owner });
    }
    for (const [id, route] of this.routes) {
      if (!wanted.has(id)) this.#drop(id, route);
    }
    for (const [id, { track, owner }] of wanted) {
      const level = linearGain(state.participants.get(owner.participant_id)?.gain_db ?? 0);
      const route = this.routes.get(id) ?? this.#route(id, track, level);
      route.participantId = owner.participant_id;
      if (level !== route.level) {
        route.level = level;
        this.#glide(route.gain, level);
      }
    }
    const masterLevel = this.enabled ? 1 : 0;
    if (masterLevel !== this.masterLevel) {
      this.masterLevel = masterLevel;
      this.#glide(this.master, masterLevel);
    }
    this.#showUnlock();
  }

  /** Play through the chosen output device; "" is the system default. */
  async setSink(sinkId) {
    if (!SPEAKER_CHOICE || this.context.sinkId === sinkId) return;
    await this.context.setSinkId(sinkId).catch((error) => console.warn("speaker choice failed", error));
  }

  #route(id, track, level) {
    const stream = new MediaStream([track]);
    // Chromium delivers a remote WebRTC track to WebAudio only while a media element plays
    // it; the element stays muted so the sound is heard once, through the gain.
    const element = document.createElement("audio");
    element.muted = true;
    element.autoplay = true;
    element.srcObject = stream;
    this.root.appendChild(element);
    const source = new MediaStreamAudioSourceNode(this.context, { mediaStream: stream });
    const gain = new GainNode(this.context, { gain: level });
    source.connect(gain).connect(this.master);
    const route = { participantId: null, element, source, gain, level };
    this.routes.set(id, route);
    return route;
  }

  #drop(id, route) {
    route.source.disconnect();
    route.gain.disconnect();
    route.element.srcObject = null;
    route.element.remove();
    this.routes.delete(id);
  }

  #glide(node, level) {
    node.gain.setTargetAtTime(level, this.context.currentTime, GAIN_GLIDE_S);
  }

  #showUnlock() {
    this.unlock.hidden = this.context.state === "running" || this.routes.size === 0;
  }
}
