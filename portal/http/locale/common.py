"""Strings of the layout and the start page."""

EN: dict[str, str] = {
    "Интерактивная приемная": "Interactive Reception",
    "Интерактивная приемная Губернатора": "The Governor's Interactive Reception",
    "Подайте заявку, дождитесь приглашения и примите участие в видеоприеме из браузера "
    "или планшета — без установки программ.": (
        "File an appeal, wait for an invitation and take part in the video reception from a "
        "browser or a tablet — nothing to install."
    ),
    "Как это работает": "How it works",
    "Подача заявки": "Filing an appeal",
    "Опишите вопрос, приложите документы и фотографии. Ответ — в течение 30 дней.": (
        "Describe your question and attach documents and photos. The answer comes within 30 days."
    ),
    "Приглашение на прием": "Invitation to a reception",
    "Если вопрос рекомендован к приему, вы получите приглашение и подтвердите участие.": (
        "If your question is recommended for a reception, you get an invitation and confirm it."
    ),
    "Видеоприем": "Video reception",
    "В назначенное время присоединитесь к приему: модератор предоставит вам слово.": (
        "At the appointed time join the reception: the moderator will give you the floor."
    ),
    "Язык": "Language",
    "Главная": "Home",
}
