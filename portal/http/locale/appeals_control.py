"""Strings of the organizer's and the control officer's work on appeals: their journals,
«В очередь на прием» and the form «Контроль выполнения заявки»."""

EN: dict[str, str] = {
    # Journals of the staff roles.
    "Журналы": "Journals",
    "Рекомендованные": "Recommended",
    "В очереди на прием": "Queued for a reception",
    # The organizer.
    "В очередь на прием": "Queue for a reception",
    "Заявка поставлена в очередь на прием.": "The appeal is queued for a reception.",
    # The control officer.
    "Контроль выполнения заявки": "Control of execution",
    "Рассмотрено": "Reviewed",
    "На контроль": "Put on control",
    "Ведомства-исполнители поручения": "Executing departments of the instructions",
    "Ведомства-исполнители поручения не добавлены.": "No executing departments added yet.",
    "Плановая дата": "Planned date",
    "Дата выполнения": "Execution date",
    "Комментарий": "Comment",
    "Сохранено": "Saved",
    "Форма не сохранена.": "The form has changes that are not saved.",
    "Исполнено": "Executed",
    "Не исполнено": "Not executed",
    "Кнопка «Исполнено» станет активной, когда будут заполнены и сохранены все поля формы:": (
        "«Executed» becomes available once these fields are filled in and saved:"
    ),
    "Сохраните форму, чтобы кнопка «Исполнено» стала активной.": (
        "Save the form to make «Executed» available."
    ),
    "Заявка рассмотрена.": "The appeal is marked reviewed.",
    "Заявка поставлена на контроль.": "The appeal is put on control.",
    "Ведомство добавлено. Сохраните форму.": "Department added. Save the form.",
    "Ведомство удалено. Сохраните форму.": "Department removed. Save the form.",
    "Форма «Контроль выполнения заявки» сохранена.": "The control form is saved.",
    "Поручение исполнено: заявка решена.": "Instructions executed: the appeal is resolved.",
    "Поручение не исполнено: заявка рассмотрена.": (
        "Instructions not executed: the appeal is closed as reviewed."
    ),
}
