# Writes `NOTIFY completion SHELL` to OUTPUT (cmake -DNOTIFY=... -DSHELL=... -DOUTPUT=... -P).
execute_process(COMMAND ${NOTIFY} completion ${SHELL} OUTPUT_FILE ${OUTPUT}.tmp
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  file(REMOVE ${OUTPUT}.tmp)
  message(FATAL_ERROR "${NOTIFY} completion ${SHELL} exited ${result}")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
