"""Strings of «Статистика»: the four reports of seed 002, their filters, tables and charts."""

EN: dict[str, str] = {
    "Статистика": "Statistics",
    "Отчеты": "Reports",
    "Статусы заявок": "Appeal statuses",
    "Статистика заявок по МО": "Appeals by municipality",
    "Статистика по количеству заявок": "Number of appeals",
    "Статистика по просроченным заявкам": "Overdue appeals",
    "Фильтр управления статистикой": "Statistics filter",
    "Период": "Period",
    "МО": "Municipality",
    "Все МО": "All municipalities",
    "все МО": "all municipalities",
    "не используется": "not in use",
    "Шаг": "Step",
    "Автоматически": "Automatic",
    "По дням": "By day",
    "По неделям": "By week",
    "По месяцам": "By month",
    "Показать": "Show",
    "Заявки, поданные": "Appeals filed",
    "Дни считаются по часовому поясу": "Days are counted in the time zone",
    "Просроченной считается заявка, срок ответа по которой истек до ее закрытия: еще не "
    "закрытая или закрытая позже срока.": (
        "An appeal is overdue when its answer deadline passed before it was closed: it is "
        "still open, or it was closed after the deadline."
    ),
    "Скачать CSV": "Download CSV",
    "За период заявок нет.": "No appeals in the period.",
    "Значений много: все они — в таблице под диаграммой.": (
        "Too many values to read out: all of them are in the table under the chart."
    ),
    "Заявки по статусам": "Appeals by status",
    "Заявки по МО": "Appeals by municipality",
    "Заявки по тематикам": "Appeals by topic",
    "Количество поданных заявок": "Appeals filed",
    "Количество заявок": "Appeals",
    "Итого": "Total",
    "Тематика": "Topic",
    "День": "Day",
    "Неделя": "Week",
    "Месяц": "Month",
    "Всего заявок": "Appeals in total",
    "Просрочено, не закрыто": "Overdue, still open",
    "Закрыто с нарушением срока": "Closed after the deadline",
    "Всего просрочено": "Overdue in total",
    "Доля просроченных": "Share overdue",
    "Просроченные заявки по МО": "Overdue appeals by municipality",
    "Просроченные заявки по тематикам": "Overdue appeals by topic",
}
