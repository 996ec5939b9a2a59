"""Community: spaces, threads, posts, reactions, answers, watching, notifications, moderation."""
