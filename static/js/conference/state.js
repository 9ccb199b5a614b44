// The room as this client knows it: a snapshot on join, deltas after.

export class RoomState extends EventTarget {
  constructor() {
    super();
    this.reset();
  }

  reset() {
    this.me = null;
    this.role = null;
    this.defaultLayout = "tribune_auto";
    this.activeSpeaker = null;
    /** Whether a moderator is in the room: without one nobody new may join (seed 002). */
    this.moderatorPresent = true;
    this.participants = new Map();
  }

  applySnapshot(snapshot) {
    this.me = snapshot.you;
    this.role = snapshot.role;
    this.defaultLayout = snapshot.default_layout;
    this.activeSpeaker = snapshot.active_speaker;
    this.moderatorPresent = snapshot.moderator_present ?? true;
    this.participants = new Map(snapshot.participants.map((p) => [p.id, p]));
    this.changed();
  }

  upsert(record) {
    this.participants.set(record.id, record);
    this.changed();
  }

  remove(id) {
    this.participants.delete(id);
    this.changed();
  }

  applyRoom(fields) {
    this.defaultLayout = fields.default_layout;
    this.activeSpeaker = fields.active_speaker;
    this.moderatorPresent = fields.moderator_present ?? true;
    this.changed();
  }

  get self() {
    return this.participants.get(this.me) ?? null;
  }

  get onAir() {
    return [...this.participants.values()].filter((p) => p.on_air);
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }
}
