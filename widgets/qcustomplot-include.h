// qcustomplot.h uses Qt's `signals`/`slots`/`emit`/`foreach` keywords, which this project turns
// off (QT_NO_KEYWORDS: the simulator has members named `slots`). Include QCustomPlot only
// through this header, before any simulator header.
#pragma once

#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
