"""Strings of the staff password reset and of the limits on the registration and reset
forms."""

EN: dict[str, str] = {
    "Сотрудники не восстанавливают пароль по почте. Здесь можно задать новый временный "
    "пароль: он будет показан один раз, все сеансы сотрудника завершатся, а сброс попадет "
    "в журнал.": (
        "Staff do not reset their password by e-mail. Here you can set a new temporary "
        "password: it is shown once, every session of the staff member ends, and the reset "
        "is written to the log."
    ),
    "Сбросить пароль": "Reset the password",
    "Новый пароль сотрудника": "New staff password",
    "Пароль сотрудника {name} ({login}) сброшен, все его сеансы завершены.": (
        "The password of {name} ({login}) is reset; every session of theirs has ended."
    ),
    "Временный пароль:": "Temporary password:",
    "Передайте его сотруднику лично, не по почте. Пароль показан один раз: после входа "
    "сотрудник сменит его в настройках.": (
        "Hand it to the staff member in person, not by e-mail. It is shown only once: after "
        "signing in they change it in the settings."
    ),
    "К списку сотрудников": "Back to the staff list",
    "сброс пароля сотрудника администратором": "staff password reset by an administrator",
    "новый пароль сотрудника задан администратором": "staff password set by an administrator",
}
