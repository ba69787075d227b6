/* SPDX-License-Identifier: Apache-2.0 */
/* libmicrohttpd, opened when a service starts: the MHD_* calls of serve/ go through this table. */
#pragma once

#include <microhttpd.h>

struct sbx_error;

struct sbx_mhd {
	__typeof__(&MHD_start_daemon) start_daemon;
	__typeof__(&MHD_stop_daemon) stop_daemon;
	__typeof__(&MHD_quiesce_daemon) quiesce_daemon;
	__typeof__(&MHD_queue_response) queue_response;
	__typeof__(&MHD_create_response_from_buffer) create_response_from_buffer;
	__typeof__(&MHD_create_response_from_callback) create_response_from_callback;
	__typeof__(&MHD_create_response_from_fd64) create_response_from_fd64;
	__typeof__(&MHD_add_response_header) add_response_header;
	__typeof__(&MHD_destroy_response) destroy_response;
	__typeof__(&MHD_lookup_connection_value) lookup_connection_value;
	__typeof__(&MHD_get_connection_values) get_connection_values;
	__typeof__(&MHD_get_connection_info) get_connection_info;
	__typeof__(&MHD_set_connection_option) set_connection_option;
};

/*
 * Opens the library and resolves the table, once per process; an error
 * names the library and the Debian package. Every server start calls it
 * before any MHD_* call.
 */
int sbx_mhd_load(struct sbx_error *err);
/* The table; only after sbx_mhd_load() succeeded. */
const struct sbx_mhd *sbx_mhd(void);

/* the call sites keep libmicrohttpd's names */
#define MHD_start_daemon(...) (sbx_mhd()->start_daemon(__VA_ARGS__))
#define MHD_stop_daemon(...) (sbx_mhd()->stop_daemon(__VA_ARGS__))
#define MHD_quiesce_daemon(...) (sbx_mhd()->quiesce_daemon(__VA_ARGS__))
#define MHD_queue_response(...) (sbx_mhd()->queue_response(__VA_ARGS__))
#define MHD_create_response_from_buffer(...) (sbx_mhd()->create_response_from_buffer(__VA_ARGS__))
#define MHD_create_response_from_callback(...) (sbx_mhd()->create_response_from_callback(__VA_ARGS__))
#define MHD_create_response_from_fd64(...) (sbx_mhd()->create_response_from_fd64(__VA_ARGS__))
#define MHD_add_response_header(...) (sbx_mhd()->add_response_header(__VA_ARGS__))
#define MHD_destroy_response(...) (sbx_mhd()->destroy_response(__VA_ARGS__))
#define MHD_lookup_connection_value(...) (sbx_mhd()->lookup_connection_value(__VA_ARGS__))
#define MHD_get_connection_values(...) (sbx_mhd()->get_connection_values(__VA_ARGS__))
#define MHD_get_connection_info(...) (sbx_mhd()->get_connection_info(__VA_ARGS__))
#define MHD_set_connection_option(...) (sbx_mhd()->set_connection_option(__VA_ARGS__))
