// Russian by default, English on request; the choice is remembered in this browser.
// Russian strings are the keys, so the page reads naturally without the dictionary.

const EN = {
  "Интерактивная приемная": "Interactive Reception",
  "Выйти из конференции": "Leave the conference",
  "Мое видео": "My video",
  "Участники": "Participants",
  "Настройки": "Settings",
  "Камера": "Camera",
  "Микрофон": "Microphone",
  "Динамики": "Speakers",
  "Уровень микрофона": "Microphone level",
  "Применить": "Apply",
  "По умолчанию": "Default",
  "Вкл./Выкл. микрофон": "Microphone on/off",
  "Звук": "Sound",
  "Видео": "Video",
  "Панель": "Panel",
  "Во весь экран": "Full screen",
  "Компактно": "Compact",
  "Громкость": "Level",
  "Нажмите, чтобы включить звук": "Click to turn the sound on",
  "Браузер не позволяет выбрать динамики": "This browser cannot choose the speakers",
  "Вкл./Выкл. звук": "Sound on/off",
  "Вкл./Выкл. видео": "Video on/off",
  "Показать/скрыть панель": "Show/hide panel",
  "Полноэкранный режим": "Full screen",
  "Компактный режим": "Compact mode",
  "Трибуна (автовыбор)": "Tribune (automatic)",
  "Один говорящий": "Single speaker",
  "Трибуна (выбор по клику)": "Tribune (click to choose)",
  "Таблица": "Grid",
  "Раскладка": "Layout",
  "Подключение…": "Connecting…",
  "Восстановление соединения…": "Reconnecting…",
  "Переподключение…": "Reconnecting…",
  "В эфире": "On air",
  "Слушатель": "Listener",
  "Говорит": "Speaking",
  "Звук отключен модератором": "Sound muted by the moderator",
  "Видео отключено модератором": "Video muted by the moderator",
  "Микрофон выключен": "Microphone off",
  "Камера выключена": "Camera off",
  "Временно отключен": "Temporarily disconnected",
  "Губернатор": "Governor",
  "Модератор": "Moderator",
  "Гражданин": "Citizen",
  "Наблюдатель": "Observer",
  "(вы)": "(you)",
  "Связь: хорошая": "Connection: good",
  "Связь: средняя": "Connection: fair",
  "Связь: плохая": "Connection: poor",
  "Связь: нет данных": "Connection: no data",
  "Модератор еще не присоединился к приему. Вход произойдет автоматически, как только он подключится.":
    "The moderator has not joined the reception yet. You will be let in automatically as soon as they do.",
  "Вы были удалены из этого приема и не можете присоединиться к нему снова.":
    "You were removed from this reception and cannot join it again.",
  "Прием сейчас не проводится.": "The reception is not in progress.",
  "Ссылка для входа устарела. Вернитесь на страницу приема и нажмите «Присоединиться к приему» еще раз.":
    "The join link has expired. Go back to the reception page and press “Join the reception” again.",
  "Ссылка для входа недействительна.": "The join link is not valid.",
  "С вашего адреса открыто слишком много подключений к приему. Обновите страницу чуть позже.":
    "Too many connections to the reception come from your address. Reload the page a little later.",
  "Ссылка для входа уже использована. Вернитесь на страницу приема и нажмите «Присоединиться к приему» еще раз.":
    "The join link has been used already. Go back to the reception page and press “Join the reception” again.",
  "В приеме нет свободных мест.": "The reception has no free places left.",
  "Прием проводится на другом сервере. Подключаемся к нему…":
    "The reception is held on another server. Connecting to it…",
  "У вас нет доступа к этому приему.": "You have no access to this reception.",
  "Не удалось подключиться к приему.": "Could not connect to the reception.",
  "Модератор отключил вас от конференции. Вы можете присоединиться снова.":
    "The moderator disconnected you from the conference. You may join again.",
  "Модератор удалил вас из конференции.": "The moderator removed you from the conference.",
  "Прием завершен. Спасибо за участие.": "The reception has ended. Thank you for taking part.",
  "Конференция открыта в другой вкладке или на другом устройстве.":
    "The conference is open in another tab or on another device.",
  "Соединение потеряно.": "The connection was lost.",
  "Вы вышли из конференции.": "You left the conference.",
  "Присоединиться снова": "Join again",
  "Вернуться к расписанию приемов": "Back to the reception schedule",
  "Модератор покинул прием. Новые участники не смогут войти, пока модератор не вернется.":
    "The moderator has left the reception. Nobody new can join until a moderator is back.",
  "Губернатор покинул прием.": "The Governor has left the reception.",
  "Модератор временно отключил вас от трансляции. Вы остаетесь в списке участников.":
    "The moderator has temporarily disconnected you from the broadcast. You stay in the participant list.",
  "Вы в эфире: вас видят и слышат все участники.": "You are on air: everyone sees and hears you.",
  "Модератор проверяет ваше видео и звук: вас видит и слышит только модератор.":
    "The moderator is checking your video and sound: only the moderator sees and hears you.",
  "Вы слушатель. Модератор предоставит вам слово.": "You are a listener. The moderator will give you the floor.",
  "Нет доступа к камере или микрофону. Вы можете смотреть и слушать прием.":
    "No access to the camera or microphone. You can still watch and listen.",
  "Никто не в эфире": "Nobody is on air",
  // Moderator console.
  "Управление приемом": "Reception control",
  "Раскладка для всех": "Layout for everyone",
  "Завершить прием для всех": "End the reception for everyone",
  "Завершить прием для всех участников?": "End the reception for every participant?",
  "Включить видео и звук": "Turn on video and sound",
  "Выключить видео и звук": "Turn off video and sound",
  "Установить уровень громкости микрофона участника": "Set the participant's microphone level",
  "Отключить участника": "Disconnect the participant",
  "Удалить из конференции": "Remove from the conference",
  "Удалить участника без возможности повторного подключения?":
    "Remove the participant with no way back in?",
  "Временно отключить": "Temporarily disconnect",
  "Восстановить": "Restore",
  "Настройки пользователя": "User settings",
  "Ограничение скорости": "Bandwidth limit",
  "Без ограничения": "No limit",
  "Отключить звук": "Mute sound",
  "Включить звук": "Unmute sound",
  "Отключить видео": "Mute video",
  "Включить видео": "Unmute video",
  "Проверить": "Check",
  "Проверка участника": "Participant check",
  "Закончить проверку": "Stop checking",
  "Браузер": "Browser",
  "Устройство": "Device",
  "Тип соединения": "Connection type",
  "Время приема-передачи": "Round-trip time",
  "Потери пакетов": "Packet loss",
  "Исходящий поток": "Outgoing bitrate",
  "Входящий поток": "Incoming bitrate",
  "Разрешение": "Resolution",
  "Частота кадров": "Frame rate",
  "Закрыть": "Close",
  "Управление участниками приема": "Managing the reception's participants",
  "Профиль и техническая информация": "Profile and technical information",
  "Показать участников": "Show participants",
  "Все": "All",
  "Ожидают слова": "Waiting for the floor",
  "Ожидает": "Waiting",
  "Временно отключены": "Temporarily disconnected",
  "Нет камеры": "No camera",
  "Нет микрофона": "No microphone",
  "дБ": "dB",
  "кбит/с": "kbit/s",
  "Панель управления": "Control panel",
  "Участник временно отключен и сейчас не видит и не слышит прием. Предоставить ему слово?":
    "The participant is temporarily disconnected and neither sees nor hears the reception now. Give them the floor?",
  "ФИО": "Full name",
  "Роль": "Role",
  "Заявка": "Appeal",
  "Тема": "Topic",
  "Заголовок вопроса": "Title",
  "Открыть заявку": "Open the appeal",
  "Другой браузер": "Another browser",
  "Яндекс Браузер": "Yandex Browser",
  "Планшет": "Tablet",
  "Телефон": "Phone",
  "Компьютер": "Computer",
  "экран": "screen",
  "Прямое, в одной сети": "Direct, same network",
  "Прямое, через NAT": "Direct, through NAT",
  "Через сервер-ретранслятор (TURN)": "Through a relay server (TURN)",
  "мс": "ms",
  "кадр/с": "fps",
  "Сервер получает": "Server receives",
  "Сервер отправляет": "Server sends",
  "видео": "video",
  "звук": "sound",
  "потеряно пакетов": "packets lost",
  // What the bandwidth limit does to the videos this participant receives.
  "Видео снижено из-за ограничения скорости": "Video is reduced because of the bandwidth limit",
  "Видео отключено: недостаточная скорость соединения": "Video is off: the connection is too slow",
  "Команда не выполнена": "The command failed",
};

const STORAGE_KEY = "reception.lang";
const listeners = new Set();

export function currentLanguage() {
  const stored = localStorage.getItem(STORAGE_KEY);
  return stored === "en" ? "en" : "ru";
}

export function t(text) {
  return currentLanguage() === "en" ? (EN[text] ?? text) : text;
}

/** Translate every element marked with data-i18n (text), data-i18n-title (tooltip and
 *  accessible name) or data-i18n-label (accessible name only). */
export function translatePage(root = document) {
  document.documentElement.lang = currentLanguage();
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.dataset.i18nSource ??= el.textContent.trim();
    el.textContent = t(el.dataset.i18nSource);
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) {
    const title = t(el.dataset.i18nTitle);
    el.title = title;
    el.setAttribute("aria-label", title);
  }
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
}

export function setLanguage(lang) {
  localStorage.setItem(STORAGE_KEY, lang === "en" ? "en" : "ru");
  translatePage();
  for (const listener of listeners) listener();
}

export function onLanguageChange(listener) {
  listeners.add(listener);
}
