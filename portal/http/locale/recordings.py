"""Strings of «Доступные записи», the upload of the edited recording, «Записи приемов»
and the player."""

EN: dict[str, str] = {
    # «Доступные записи»
    "Доступные записи": "Available recordings",
    "Записи появятся после окончания приема.": "Recordings appear once the reception has ended.",
    "Записей пока нет.": "No recordings yet.",
    "Запись ожидает обработки.": "The recording is waiting to be processed.",
    "Запись обрабатывается.": "The recording is being processed.",
    "Не удалось собрать запись приема.": "The reception's recording could not be composed.",
    "Записи готовы к скачиванию.": "The recordings are ready to download.",
    "Содержание": "Contents",
    "Длительность, с": "Duration, s",
    "Размер, МБ": "Size, MB",
    "Запись приема": "Reception recording",
    "Видео и звук": "Video and sound",
    "Звук": "Sound",
    "Видео": "Video",
    # Publishing
    "Запись для просмотра": "Recording for viewing",
    "Запись не загружена": "No recording uploaded",
    "Преобразование в webm": "Converting to webm",
    "Опубликовано": "Published",
    "Ошибка преобразования": "Conversion failed",
    "Снято с публикации": "Withdrawn",
    "Обновить": "Refresh",
    "Смотреть запись приема": "Watch the reception's recording",
    "Выберите файл": "Choose a file",
    "Файл больше": "The file is larger than",
    "МБ": "MB",
    "Один видеофайл mp4, не больше": "One mp4 video file, at most",
    "После сохранения он будет преобразован в формат webm (для мобильных устройств), и запись "
    "станет доступна к просмотру всем авторизованным пользователям.": (
        "Once saved, it is converted to webm (for mobile devices), and the recording becomes "
        "available to every signed-in user."
    ),
    "Запись можно загрузить после окончания приема.": (
        "A recording can be uploaded once the reception has ended."
    ),
    "Снять с публикации": "Withdraw",
    # «Записи приемов» and the player
    "Записи приемов": "Reception recordings",
    "Название приема": "Reception title",
    "Дата с": "Date from",
    "по": "to",
    "Сбросить": "Reset",
    "Записей": "Recordings",
    "Длительность": "Duration",
    "Записей не найдено.": "No recordings found.",
    "Главы": "Chapters",
    "Браузер не показывает видео.": "The browser cannot show the video.",
    "Скачать запись (mp4)": "Download the recording (mp4)",
}
