-- One answer per intent (issue 14): what the bot last acted on and last asked, per chat, so a
-- burst of identical taps or a photo flood is coalesced. Kept here, not in a process's memory,
-- so it holds across the webhook and polling transports and across a restart.
ALTER TABLE bot_chats
  -- The last tapped button (its callback data) or command acted on, when it arrived (the update
  -- inbox's received_at), and by which update: a retry of that same update is not a repeat.
  ADD COLUMN last_action           text,
  ADD COLUMN last_action_at        timestamptz,
  ADD COLUMN last_action_update_id bigint,
  -- The last prompt sent (its kind and session), when, and by which update; cleared by any other
  -- message the bot sends to the chat, so only a prompt repeated in a row is held back.
  ADD COLUMN last_prompt           text,
  ADD COLUMN last_prompt_at        timestamptz,
  ADD COLUMN last_prompt_update_id bigint;
