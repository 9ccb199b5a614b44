// A participant's profile and technical information, opened from their name (seed 002:
// «ФИО участника является ссылкой, по которой модератор может перейти к просмотру профиля
// и технической информации об участнике»), in the words and units of the interface.

import { t } from "./i18n.js";

const CONNECTION = {
  host: "Прямое, в одной сети",
  srflx: "Прямое, через NAT",
  prflx: "Прямое, через NAT",
  relay: "Через сервер-ретранслятор (TURN)",
};

/** "Chrome 120", "Firefox 121", "Safari 17", … from a user agent string. */
export function browserName(agent) {
  const known = [
    [/YaBrowser\/(\d+)/, "Яндекс Браузер"],
    [/Edg\/(\d+)/, "Microsoft Edge"],
    [/OPR\/(\d+)/, "Opera"],
    [/Firefox\/(\d+)/, "Firefox"],
    [/(?:Headless)?Chrome\/(\d+)/, "Chrome"],
    [/Version\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari/, "Safari"],
  ];
  for (const [pattern, name] of known) {
    const found = agent.match(pattern);
    if (found) return `${t(name)} ${found[1]}`;
  }
  return agent ? t("Другой браузер") : null;
}

/** "Планшет, Android 14, экран 800×1280" from the user agent and the reported screen. */
export function deviceName(agent, device) {
  const system =
    [
      [/Windows NT 10/, "Windows 10 или 11"],
      [/Windows/, "Windows"],
      [/Android (\d+)/, "Android"],
      [/iPad/, "iPadOS"],
      [/iPhone/, "iOS"],
      [/Mac OS X/, "macOS"],
      [/CrOS/, "ChromeOS"],
      [/Linux/, "Linux"],
    ]
      .map(([pattern, name]) => {
        const found = agent.match(pattern);
        return found ? `${name}${found[1] ? " " + found[1] : ""}` : null;
      })
      .find(Boolean) ?? null;
  const kind = /iPad|Tablet/.test(agent) || (/Android/.test(agent) && !/Mobile/.test(agent))
    ? "Планшет"
    : /Mobile|iPhone/.test(agent)
      ? "Телефон"
      : "Компьютер";
  const screen = device.match(/(\d+)×(\d+)/);
  const parts = [t(kind)];
  if (system) parts.push(system);
  if (screen) parts.push(`${t("экран")} ${screen[1]}×${screen[2]}`);
  return parts.join(", ");
}

const number = (value, digits = 0) =>
  Number(value).toLocaleString(document.documentElement.lang, { maximumFractionDigits: digits });

/** The rows of the technical information: [label, value] in the interface language. */
export function technicalRows(info) {
  const client = info.client ?? {};
  const unit = (value, name, digits = 0) => (value != null ? `${number(value, digits)} ${t(name)}` : null);
  const rows = [
    ["Браузер", browserName(info.browser ?? "")],
    ["Устройство", deviceName(info.browser ?? "", info.device ?? "")],
    ["Тип соединения", client.candidate_type ? t(CONNECTION[client.candidate_type] ?? client.candidate_type) : null],
    ["Время приема-передачи", unit(client.rtt_ms, "мс")],
    ["Потери пакетов", unit(client.loss_pct, "%", 1)],
    ["Исходящий поток", unit(client.send_kbps, "кбит/с")],
    ["Входящий поток", unit(client.receive_kbps, "кбит/с")],
    ["Разрешение", client.width ? `${client.width}×${client.height}` : null],
    ["Частота кадров", unit(client.fps, "кадр/с")],
    ["Ограничение скорости", info.bandwidth_kbps ? unit(info.bandwidth_kbps, "кбит/с") : t("Без ограничения")],
  ];
  for (const producer of Object.values(info.server?.publisher?.producers ?? {})) {
    const kind = producer.kind === "video" ? "видео" : "звук";
    rows.push([
      `${t("Сервер получает")}: ${t(kind)}`,
      `${producer.codec ?? ""}, ${unit(producer.bitrate_kbps, "кбит/с")}, ${t("потеряно пакетов")}: ${number(producer.packets_lost ?? 0)}`,
    ]);
  }
  const sent = info.server?.subscriber?.bitrate_kbps;
  if (sent != null) rows.push(["Сервер отправляет", unit(sent, "кбит/с")]);
  return rows.map(([label, value]) => [t(label), value]);
}

/** The citizen's appeal: number, topic and title where the portal lets this person read
 *  it, and always a link to the appeal's page for staff. */
export async function appealRows(appealId) {
  if (!appealId) return [];
  const link = document.createElement("a");
  link.href = `/staff/appeals/${encodeURIComponent(appealId)}`;
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = t("Открыть заявку");
  try {
    const response = await fetch(`/api/v1/appeals/${encodeURIComponent(appealId)}`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (response.ok) {
      const appeal = await response.json();
      link.textContent = `№ ${appeal.number}`;
      return [
        [t("Заявка"), link],
        [t("Тема"), appeal.topic],
        [t("Заголовок вопроса"), appeal.title],
      ];
    }
  } catch {
    // Not signed in to the portal here, or it is not reachable: the link still leads there.
  }
  return [[t("Заявка"), link]];
}
