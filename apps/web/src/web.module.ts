import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ClinicApi } from './api/clinic-api';
import { HomeController } from './pages/home.controller';
import { Pages } from './pages/page-context';
import { ScreenExceptionsFilter } from './pages/screen-exceptions.filter';
import { AuditController } from './screens/audit/audit.controller';
import { CalendarController } from './screens/calendar/calendar.controller';
import { InvoicesController } from './screens/invoices/invoices.controller';
import { DoctorController } from './screens/doctor/doctor.controller';
import { DoctorRunner } from './screens/doctor/doctor.runner';
import { JourneyController } from './screens/journey/journey.controller';
import { JourneyReader } from './screens/journey/journey.reader';
import { PatientsController } from './screens/patients/patients.controller';
import { PrescriptionsController } from './screens/prescriptions/prescriptions.controller';
import { AuthController } from './session/auth.controller';
import { ScreenGuard } from './session/screen.guard';
import { WebSessions } from './session/web-sessions';
import { WEB_CONFIG } from './web.tokens';
import type { WebConfig } from './web.config';

/** The screens, one controller each (a folder under screens/ per role's work). */
const SCREENS: Type[] = [
  PatientsController,
  JourneyController,
  InvoicesController,
  CalendarController,
  PrescriptionsController,
  AuditController,
  DoctorController,
];

@Module({})
export class WebModule {
  static forRoot(config: WebConfig): DynamicModule {
    return {
      module: WebModule,
      controllers: [HomeController, AuthController, ...SCREENS],
      providers: [
        { provide: WEB_CONFIG, useValue: config },
        {
          provide: WebSessions,
          useFactory: () =>
            new WebSessions({
              idleSeconds: config.identity.sessionIdleSeconds,
              maxSeconds: config.identity.sessionMaxSeconds,
            }),
        },
        Pages,
        ClinicApi,
        JourneyReader,
        DoctorRunner,
        { provide: APP_GUARD, useClass: ScreenGuard },
        { provide: APP_FILTER, useClass: ScreenExceptionsFilter },
      ],
    };
  }
}
