"""Transcode jobs (ffmpeg): the queue, the runner, progress and retries."""
