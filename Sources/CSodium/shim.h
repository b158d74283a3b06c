#ifndef APPVAULT_CSODIUM_SHIM_H
#define APPVAULT_CSODIUM_SHIM_H
#include <sodium.h>
#endif
