// printf-style log lines for the shell's own messages (the core logs through host_log).
#ifndef LOGF_H
#define LOGF_H

enum { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void logf_line(int level, const char *format, ...) __attribute__((format(printf, 2, 3)));

#endif
