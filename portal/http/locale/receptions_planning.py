"""Strings of «Планирование приемов», the new reception's form and «Управление приемом»."""

EN: dict[str, str] = {
    "Планирование приемов": "Reception planning",
    "Запланировать новый прием": "Plan a new reception",
    "Заявки граждан": "Citizens' appeals",
    "В очереди на прием, без записи": "Queued for a reception, not enrolled",
    "Номер, заголовок, заявитель": "Number, title, applicant",
    "Запись": "Enrolment",
    "в очереди с": "queued since",
    "Записать на прием": "Enroll in a reception",
    "Записать": "Enroll",
    "мест": "seats",
    "Нет запланированных приемов со свободными местами.": (
        "There are no planned receptions with free seats."
    ),
    "Заявок, ожидающих записи на прием, нет.": "No appeals are waiting for a reception.",
    "Страницы заявок": "Pages of appeals",
    "Страницы приемов": "Pages of receptions",
    "Запланированные приемы": "Planned receptions",
    "Запланированных приемов нет.": "There are no planned receptions.",
    "Участники": "Participants",
    "Управление приемом": "Manage the reception",
    "Удалить прием": "Delete the reception",
    "Дата": "Date",
    "Кол-во участников": "Number of participants",
    "не более": "at most",
    "Время начала": "Start time",
    "Время завершения": "End time",
    "Тема (название) приема": "Reception topic (title)",
    "Выберите сотрудника": "Choose a staff member",
    "Сохранить изменения": "Save changes",
    "Изменять можно только запланированный прием.": "Only a planned reception can be edited.",
    "Статус участника": "Participant status",
    "Выслать приглашение": "Send the invitation",
    "Выслать приглашение всем": "Send the invitation to everyone",
    "Убрать из списка": "Remove from the list",
    "На прием еще никто не записан. Записать заявку можно на странице «Планирование приемов».": (
        "Nobody is enrolled yet. Appeals are enrolled on the «Reception planning» page."
    ),
    "Прием будет удален, а все записанные на него заявки вернутся в список на запись.": (
        "The reception will be deleted and all of its appeals will return to the list "
        "waiting for a reception."
    ),
    "Записано участников": "Participants enrolled",
    "Этот прием удалить нельзя": "This reception cannot be deleted",
    "Заявка записана на прием.": "The appeal is enrolled in the reception.",
    "Изменения сохранены.": "Changes saved.",
    "Приглашение выслано.": "The invitation has been sent.",
    "Всем участникам приглашения уже высланы.": "Every participant has been invited already.",
    "Участник убран из списка; заявка вернулась в список на запись.": (
        "The participant was removed; the appeal is back in the list waiting for a reception."
    ),
    "Прием удален; его заявки вернулись в список на запись.": (
        "The reception was deleted; its appeals are back in the list waiting for a reception."
    ),
    "Запланирован": "Planned",
    "Начат, ожидает модератора": "Started, waiting for the moderator",
    "Идет": "Under way",
    "Отменен": "Cancelled",
    "Ожидает подтверждения": "Awaiting confirmation",
    "Отказался": "Declined",
    "Участвовал в приеме": "Took part in the reception",
    "Не участвовал": "Did not take part",
}
