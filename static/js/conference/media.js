// Two RTCPeerConnections per participant: the publisher (this client offers) carries the
// camera and microphone; the subscriber (the server offers) carries what the SFU forwards.

const CAMERA = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } };
/** VP8 in three temporal layers: the SFU halves or quarters the frame rate for a listener
 *  with a bandwidth limit instead of cutting the picture. The cap keeps the base layer
 *  (about 40 % of the rate, a quarter of the frames) within a 256 kbit/s listener's budget
 *  with three people on air; a talking head at 640×480 needs no more. */
const VIDEO_ENCODING = { scalabilityMode: "L1T3", maxBitrate: 400_000 };

export class LocalMedia {
  constructor() {
    this.stream = null;
    this.error = null;
  }

  /** Open the chosen (or default) camera and microphone. */
  async open({ cameraId, microphoneId } = {}) {
    const constraints = {
      video: cameraId ? { ...CAMERA, deviceId: { exact: cameraId } } : CAMERA,
      audio: microphoneId ? { deviceId: { exact: microphoneId } } : true,
    };
    try {
      const stream = await navigator.mediaDevices.getUserMedia(constraints);
      this.stop();
      this.stream = stream;
      this.error = null;
    } catch (error) {
      this.error = error;
    }
    return this.stream;
  }

  track(kind) {
    return this.stream?.getTracks().find((track) => track.kind === kind) ?? null;
  }

  setEnabled(kind, enabled) {
    const track = this.track(kind);
    if (track) track.enabled = enabled;
  }

  stop() {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
  }
}

export class Publisher {
  constructor(signaling, iceServers) {
    this.signaling = signaling;
    this.pc = new RTCPeerConnection({ iceServers });
    this.senders = new Map();
  }

  async publish(stream) {
    for (const track of stream.getTracks()) {
      if (track.kind !== "video") {
        this.senders.set(track.kind, this.pc.addTrack(track, stream));
        continue;
      }
      const { sender } = this.pc.addTransceiver(track, {
        streams: [stream],
        sendEncodings: [VIDEO_ENCODING],
      });
      this.senders.set(track.kind, sender);
      const params = sender.getParameters();
      params.degradationPreference = "maintain-framerate";
      await sender.setParameters(params).catch(() => {});
    }
    await this.pc.setLocalDescription(await this.pc.createOffer());
    const ack = await this.signaling.call("publish", { sdp: this.pc.localDescription.sdp });
    if (!ack.ok) throw new Error(ack.error.message);
    await this.pc.setRemoteDescription({ type: "answer", sdp: ack.sdp });
  }

  /** Switch to another camera or microphone without renegotiating. */
  async replace(stream) {
    for (const track of stream.getTracks()) {
      await this.senders.get(track.kind)?.replaceTrack(track);
    }
  }

  close() {
    this.pc.close();
  }
}

export class Subscriber extends EventTarget {
  constructor(signaling, iceServers) {
    super();
    this.signaling = signaling;
    this.pc = new RTCPeerConnection({ iceServers });
    this.owners = new Map(); // mid -> {participant_id, kind}
    this.tracks = new Map(); // mid -> MediaStreamTrack
    this.queue = Promise.resolve();
    this.pc.ontrack = (event) => {
      this.tracks.set(event.transceiver.mid, event.track);
      this.changed();
    };
  }

  async start() {
    const offer = await this.signaling.call("subscribe");
    if (!offer.ok) throw new Error(offer.error.message);
    // No sdp yet: nothing to receive; the server sends "subscriber_offer" when there is.
    if (offer.sdp) await this.answer(offer);
  }

  /** Offers are answered one at a time, in the order they arrive. */
  answer(offer) {
    this.queue = this.queue.then(() => this.#answer(offer)).catch((error) => {
      console.warn("subscriber negotiation failed", error);
      this.dispatchEvent(new Event("failed"));
    });
    return this.queue;
  }

  async #answer(offer) {
    this.owners = new Map(offer.tracks.map((t) => [t.mid, t]));
    await this.pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    const ack = await this.signaling.call("subscribe_answer", { sdp: this.pc.localDescription.sdp });
    if (!ack.ok) throw new Error(ack.error.message);
    this.changed();
  }

  /** The tracks the SFU sends on behalf of one participant. */
  tracksOf(participantId) {
    const found = [];
    for (const [mid, owner] of this.owners) {
      const track = this.tracks.get(mid);
      if (owner.participant_id === participantId && track) found.push(track);
    }
    return found;
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }

  close() {
    this.pc.close();
  }
}

/** What the browser measures, for the server's quality badge and the technical panel. */
export async function measure(publisher, subscriber, previous) {
  const report = { candidate_type: "" };
  const now = performance.now();
  let sent = 0;
  let received = 0;
  let lost = 0;
  let packets = 0;
  for (const pc of [publisher?.pc, subscriber?.pc]) {
    if (!pc) continue;
    const stats = await pc.getStats();
    for (const s of stats.values()) {
      if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") {
        if (s.currentRoundTripTime !== undefined) report.rtt_ms = s.currentRoundTripTime * 1000;
        const local = stats.get(s.localCandidateId);
        if (local) report.candidate_type = local.candidateType;
      }
      if (s.type === "outbound-rtp") {
        sent += s.bytesSent ?? 0;
        if (s.kind === "video") {
          report.width = s.frameWidth;
          report.height = s.frameHeight;
          if (s.framesPerSecond !== undefined) report.fps = s.framesPerSecond;
        }
      }
      if (s.type === "inbound-rtp") {
        received += s.bytesReceived ?? 0;
        lost += Math.max(0, s.packetsLost ?? 0);
        packets += s.packetsReceived ?? 0;
      }
    }
  }
  if (previous) {
    const seconds = (now - previous.at) / 1000;
    report.send_kbps = Math.max(0, ((sent - previous.sent) * 8) / 1000 / seconds);
    report.receive_kbps = Math.max(0, ((received - previous.received) * 8) / 1000 / seconds);
  }
  if (packets + lost > 0) report.loss_pct = (100 * lost) / (packets + lost);
  for (const key of Object.keys(report)) {
    if (typeof report[key] === "number") report[key] = Math.round(report[key] * 10) / 10;
  }
  if (report.width !== undefined) report.width = Math.round(report.width);
  if (report.height !== undefined) report.height = Math.round(report.height);
  return { report, totals: { at: now, sent, received } };
}
