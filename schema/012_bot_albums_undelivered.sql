-- The bot and real Telegram use (issue 14): albums taken as a whole.

-- The parts of an album (photos sharing a media_group_id) are found in the update inbox: they
-- are recorded there before anything else, so an album survives a restart between its parts.
CREATE INDEX telegram_updates_media_group
  ON telegram_updates (chat_key, (payload->'message'->>'media_group_id'))
  WHERE payload->'message' ? 'media_group_id';

-- One row per album the bot has answered: the update that answered for it, and the parts it
-- took (by message_id, in album order). Every other part of the album is then dropped; a part
-- that arrived after the album was taken is handled as a photo of its own.
CREATE TABLE bot_albums (
  chat_key        text NOT NULL,
  media_group_id  text NOT NULL,
  owner_update_id bigint NOT NULL,
  message_ids     bigint[] NOT NULL,
  claimed_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chat_key, media_group_id)
);

CREATE INDEX bot_albums_claimed_at ON bot_albums (claimed_at);
