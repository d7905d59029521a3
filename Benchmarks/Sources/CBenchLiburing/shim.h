#include <sys/select.h>
#include <liburing.h>
