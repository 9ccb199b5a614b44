// «Настройки»: camera, microphone and speaker choice, with a preview and a level meter.

import { t } from "./i18n.js";
import { SPEAKER_CHOICE } from "./sound.js";

export class DeviceSettings {
  /** `audioContext`: the page's one context, shared with the remote sound. */
  constructor(elements, { onApply, audioContext }) {
    this.el = elements;
    this.onApply = onApply;
    this.audioContext = audioContext;
    this.previewStream = null;
    this.meterTimer = null;
    this.meterSource = null;
    elements.panel.addEventListener("toggle", () => {
      if (elements.panel.open) this.open();
      else this.close();
    });
    elements.camera.addEventListener("change", () => this.preview());
    elements.microphone.addEventListener("change", () => this.preview());
    elements.apply.addEventListener("click", async () => {
      await this.onApply({
        cameraId: elements.camera.value,
        microphoneId: elements.microphone.value,
        speakerId: elements.speaker.value,
      });
    });
  }

  async open() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    fill(this.el.camera, devices.filter((d) => d.kind === "videoinput"));
    fill(this.el.microphone, devices.filter((d) => d.kind === "audioinput"));
    fill(this.el.speaker, devices.filter((d) => d.kind === "audiooutput"));
    // Sound plays through WebAudio: without AudioContext.setSinkId (Firefox, Safari) it goes
    // to the system's default output.
    this.el.speaker.disabled = !SPEAKER_CHOICE;
    this.el.speaker.title = SPEAKER_CHOICE ? "" : t("Браузер не позволяет выбрать динамики");
    await this.preview();
  }

  async preview() {
    this.stopPreview();
    try {
      this.previewStream = await navigator.mediaDevices.getUserMedia({
        video: this.el.camera.value ? { deviceId: { exact: this.el.camera.value } } : true,
        audio: this.el.microphone.value ? { deviceId: { exact: this.el.microphone.value } } : true,
      });
    } catch {
      return;
    }
    this.el.preview.srcObject = this.previewStream;
    this.meter(this.previewStream);
  }

  /** The microphone level meter: RMS of the live signal, ten times a second. */
  meter(stream) {
    if (!stream.getAudioTracks().length) return;
    const analyser = new AnalyserNode(this.audioContext, { fftSize: 512 });
    this.meterSource = new MediaStreamAudioSourceNode(this.audioContext, { mediaStream: stream });
    this.meterSource.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    this.meterTimer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      const rms = Math.sqrt(samples.reduce((sum, v) => sum + v * v, 0) / samples.length);
      this.el.meter.value = Math.min(1, rms * 4);
    }, 100);
  }

  stopPreview() {
    clearInterval(this.meterTimer);
    this.meterSource?.disconnect();
    this.meterSource = null;
    for (const track of this.previewStream?.getTracks() ?? []) track.stop();
    this.previewStream = null;
  }

  close() {
    this.stopPreview();
    this.el.preview.srcObject = null;
  }
}

function fill(select, devices) {
  const chosen = select.value;
  select.replaceChildren(
    ...devices.map((device, index) => {
      const option = document.createElement("option");
      option.value = device.deviceId;
      option.textContent = device.label || `${device.kind} ${index + 1}`;
      option.selected = device.deviceId === chosen;
      return option;
    }),
  );
}
