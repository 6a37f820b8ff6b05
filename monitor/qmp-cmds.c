/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP handlers for the monitor itself and the VM run state. */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"
#include "qapi/qapi-commands.h"
#include "qom/object.h"
#include "system/runstate.h"
#include "monitor/monitor-internal.h"

void qmp_qmp_capabilities(json_t *args, json_t **ret, Error **errp)
{
    QMPSession *s = qmp_current_session();

    /*
     * In negotiation mode this is the only command there is; afterwards
     * QEMU pretends it does not exist.
     */
    if (s && qmp_session_is_negotiated(s)) {
        error_set(errp, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "Capabilities negotiation is already complete, command "
                  "ignored");
        return;
    }
    qmp_session_negotiate(s, json_object_get(args, "enable"), errp);
}

void qmp_query_version(json_t *args, json_t **ret, Error **errp)
{
    *ret = qmp_version_info();
}

void qmp_query_commands(json_t *args, json_t **ret, Error **errp)
{
    size_t n;
    const QmpCommand *cmds = qmp_commands_list(&n);
    json_t *list = json_array();

    for (size_t i = 0; i < n; i++) {
        json_array_append_new(list, json_pack("{s:s}", "name", cmds[i].name));
    }
    *ret = list;
}

void qmp_quit(json_t *args, json_t **ret, Error **errp)
{
    /* The reply goes out first; the main loop then emits SHUTDOWN. */
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
}

void qmp_query_qmp_schema(json_t *args, json_t **ret, Error **errp)
{
    *ret = qapi_introspect();
}

void qmp_query_status(json_t *args, json_t **ret, Error **errp)
{
    RunState state = runstate_get();

    *ret = json_pack("{s:b,s:s}", "running", runstate_is_running(),
                     "status", qapi_enum_lookup(&RunState_lookup, state));
}

void qmp_stop(json_t *args, json_t **ret, Error **errp)
{
    vm_stop(RUN_STATE_PAUSED);
}

void qmp_cont(json_t *args, json_t **ret, Error **errp)
{
    RunState state = runstate_get();

    if (state == RUN_STATE_INTERNAL_ERROR || state == RUN_STATE_SHUTDOWN ||
        state == RUN_STATE_GUEST_PANICKED) {
        error_setg(errp, "Resetting the Virtual Machine is required");
        return;
    }
    if (!runstate_is_running()) {
        vm_start();
    }
}

void qmp_system_powerdown(json_t *args, json_t **ret, Error **errp)
{
    qemu_system_powerdown_request();
}
