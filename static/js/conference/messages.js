// One clear sentence for every refusal and every way a conference can end (docs/protocol.md).

export const REFUSALS = {
  moderator_absent:
    "Модератор еще не присоединился к приему. Вход произойдет автоматически, как только он подключится.",
  banned: "Вы были удалены из этого приема и не можете присоединиться к нему снова.",
  reception_not_live: "Прием сейчас не проводится.",
  token_expired:
    "Ссылка для входа устарела. Вернитесь на страницу приема и нажмите «Присоединиться к приему» еще раз.",
  invalid_token: "Ссылка для входа недействительна.",
  token_used:
    "Ссылка для входа уже использована. Вернитесь на страницу приема и нажмите «Присоединиться к приему» еще раз.",
  full: "В приеме нет свободных мест.",
  wrong_node: "Прием проводится на другом сервере. Подключаемся к нему…",
  forbidden: "У вас нет доступа к этому приему.",
};

export const CLOSE_REASONS = {
  kicked: "Модератор отключил вас от конференции. Вы можете присоединиться снова.",
  banned: "Модератор удалил вас из конференции.",
  reception_ended: "Прием завершен. Спасибо за участие.",
  replaced: "Конференция открыта в другой вкладке или на другом устройстве.",
  timed_out: "Соединение потеряно.",
  left: "Вы вышли из конференции.",
};

/** What the room says while someone who holds the reception is away. */
export const ROOM_NOTES = {
  moderator_absent:
    "Модератор покинул прием. Новые участники не смогут войти, пока модератор не вернется.",
  host_left: "Губернатор покинул прием.",
};

/** Which endings offer «Присоединиться снова». */
export const MAY_REJOIN = new Set(["kicked", "replaced", "timed_out", "left"]);
